/**
 * Base64 for binary payloads in JSON responses (PNG masks), with the Web API `btoa` that Workers
 * and Node both have. btoa takes a "binary string", and building one with
 * String.fromCharCode(...bytes) passes every byte as a call argument, which overflows the call
 * stack past roughly 100k bytes; so the bytes go through in chunks.
 */

/** A multiple of 3, so each chunk encodes to whole base64 quads and the pieces concatenate. */
const CHUNK = 3 * 8192;

/**
 * Standard base64 (RFC 4648 section 4, with padding) of `bytes`.
 *
 * @example
 * const body = { mask: { contentType: 'image/png', base64: bytesToBase64(png) } };
 */
export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK) {
    const chunk = bytes.subarray(i, i + CHUNK);
    parts.push(btoa(String.fromCharCode.apply(null, chunk as unknown as number[])));
  }
  return parts.join('');
}
