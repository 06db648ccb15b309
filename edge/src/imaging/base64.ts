/**
 * Standard base64 both ways, for binary payloads in JSON responses (PNG masks) and for keys and
 * sealed values in config and D1, with the Web APIs `btoa`/`atob` that Workers and Node both have. btoa takes a "binary string", and building one with
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

/**
 * The bytes of standard base64 (with padding), or undefined for anything else: atob also takes
 * unpadded text, whitespace and non-zero trailing bits, so the bytes are encoded again and must
 * give back the same text (one spelling per value, as a key or a sealed value should have).
 *
 * @example
 * base64ToBytes('AAE=') // Uint8Array [0, 1]
 */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> | undefined {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return undefined;
  }
  const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  return bytesToBase64(bytes) === text ? bytes : undefined;
}
