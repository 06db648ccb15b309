/**
 * The media type of a Content-Type header value, written once for both services: parameters
 * dropped, trimmed and lower-cased (RFC 9110 section 8.3.1: type and subtype are
 * case-insensitive). A missing header is `''`. Runtime-neutral.
 *
 * @example
 * mediaType('Multipart/Form-Data; boundary=x'); // 'multipart/form-data'
 */
export function mediaType(contentType: string | null | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}
