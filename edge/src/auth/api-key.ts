/**
 * Partner API keys: making them, hashing them, and comparing hashes without leaking timing.
 * Only hashes reach storage; `lookup` (a hash prefix) finds the row, the full hash decides.
 * Web APIs only (crypto.subtle), so the Worker and the Node CLI share it.
 */
import { randomBase64url } from './base64url.js';

/** Every generated key starts with this, so secret scanners and humans can recognise one. */
export const API_KEY_PREFIX = 'bsn_live_';

/**
 * Shortest string we look up as a key. Generated keys are 52 chars; the dev key
 * (`BSNET_DEV_KEY`) is arbitrary text, so anything this long is at least worth a hash.
 */
export const MIN_API_KEY_LENGTH = 16;

/** Longest credential we hash; headers are bounded anyway, this keeps hashing cheap. */
export const MAX_API_KEY_LENGTH = 512;

/** Hex chars of the hash kept in the indexed `lookup` column (64 bits: collisions are moot). */
const LOOKUP_LENGTH = 16;

/**
 * A new API key: the prefix and 32 random bytes (256 bits) in base64url.
 *
 * @example
 * generateApiKey() // 'bsn_live_3q2-…' (52 chars)
 */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBase64url(32);
}

/** A new API key id (`key_…`): public, shown in listings and logs, never a secret. */
export function newKeyId(): string {
  return `key_${randomBase64url(12)}`;
}

/** Whether `candidate` is long enough (and not absurdly long) to be worth looking up. */
export function isPlausibleApiKey(candidate: string): boolean {
  return candidate.length >= MIN_API_KEY_LENGTH && candidate.length <= MAX_API_KEY_LENGTH;
}

/**
 * Lowercase hex SHA-256 of the key's UTF-8 bytes. A fast hash is right here: keys are 256-bit
 * random, so there is nothing for a slow password hash to protect against.
 */
export async function hashApiKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  let hex = '';
  for (const b of new Uint8Array(digest)) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** The indexed prefix of a key hash (`api_keys.lookup`). */
export function lookupOf(hash: string): string {
  return hash.slice(0, LOOKUP_LENGTH);
}

/**
 * Compares two hashes in time that depends only on their lengths: every char is XORed into one
 * accumulator, no early exit, so a caller cannot learn how long a matching prefix was.
 */
export function hashesEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    // Past the shorter string, compare against 0: still one step per char of the longer one.
    diff |= (i < a.length ? a.charCodeAt(i) : 0) ^ (i < b.length ? b.charCodeAt(i) : 0);
  }
  return diff === 0;
}
