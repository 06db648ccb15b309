/** API key generation, hashing and the constant-time comparison, against node:crypto. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  API_KEY_PREFIX,
  generateApiKey,
  hashApiKey,
  hashesEqual,
  isPlausibleApiKey,
  lookupOf,
  newKeyId,
} from './api-key.js';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('api keys', () => {
  it('generates bsn_live_ + 32 random bytes in base64url', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^bsn_live_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(API_KEY_PREFIX.length), 'base64url')).toHaveLength(32);
    expect(new Set(Array.from({ length: 100 }, generateApiKey)).size).toBe(100);
  });

  it('makes key_ ids that are not the key', () => {
    expect(newKeyId()).toMatch(/^key_[A-Za-z0-9_-]{16}$/);
  });

  it('hashes with SHA-256 over UTF-8, in lowercase hex', async () => {
    expect(await hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    for (const key of [generateApiKey(), 'any dev key text with ünïcode']) expect(await hashApiKey(key)).toBe(sha256(key));
  });

  it('indexes by the first 16 hex chars of the hash', async () => {
    const hash = await hashApiKey('some-development-key');
    expect(lookupOf(hash)).toBe(hash.slice(0, 16));
    expect(lookupOf(hash)).toHaveLength(16);
  });

  it('compares hashes whole: equal, one char off at either end, different lengths', () => {
    const h = sha256('x');
    expect(hashesEqual(h, h)).toBe(true);
    expect(hashesEqual(h, `${h[0] === '0' ? '1' : '0'}${h.slice(1)}`)).toBe(false);
    expect(hashesEqual(h, `${h.slice(0, -1)}${h.endsWith('0') ? '1' : '0'}`)).toBe(false);
    expect(hashesEqual(h, h.slice(0, 63))).toBe(false);
    expect(hashesEqual(`${h}0`, h)).toBe(false);
    expect(hashesEqual('', '')).toBe(true);
  });

  it('looks up anything of 16 to 512 chars (the dev key is arbitrary text)', () => {
    expect(isPlausibleApiKey('a'.repeat(15))).toBe(false);
    expect(isPlausibleApiKey('my local dev key')).toBe(true);
    expect(isPlausibleApiKey('a'.repeat(512))).toBe(true);
    expect(isPlausibleApiKey('a'.repeat(513))).toBe(false);
  });
});
