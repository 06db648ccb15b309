/**
 * Base64url without padding (RFC 4648 §5), the alphabet API keys, ids and upload tokens use so
 * they survive URLs, headers and copy-paste untouched. Web APIs only (runs in workerd and Node).
 */

import { base64ToBytes } from '../imaging/base64.js';

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Encodes bytes as unpadded base64url.
 *
 * @example
 * encodeBase64url(new Uint8Array([0xfb, 0xff])) // '-_8'
 */
export function encodeBase64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Decodes unpadded base64url; `undefined` for anything else (padding, `+`, `/`, a length no
 * encoder produces), so callers refuse a malformed credential instead of guessing at it.
 */
export function decodeBase64url(text: string): Uint8Array | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  // Strict: one spelling per value (atob would ignore non-zero trailing bits).
  return base64ToBytes(padded);
}

/** Base64url of UTF-8 text (upload token payloads are JSON). */
export function encodeBase64urlText(text: string): string {
  return encodeBase64url(new TextEncoder().encode(text));
}

/** Random bytes as base64url: 16 bytes (128 bits) is plenty for an id nobody must guess. */
export function randomBase64url(byteLength: number): string {
  return encodeBase64url(crypto.getRandomValues(new Uint8Array(byteLength)));
}
