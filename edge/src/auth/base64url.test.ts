/** base64url against Node's own encoder, and the spellings a strict decoder must refuse. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64url, encodeBase64url, encodeBase64urlText, randomBase64url } from './base64url.js';

describe('base64url', () => {
  it('encodes as Node does and decodes back, for every length 0..64', () => {
    for (let n = 0; n <= 64; n++) {
      const bytes = new Uint8Array(randomBytes(n));
      const text = encodeBase64url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(decodeBase64url(text)).toEqual(bytes);
    }
  });

  it('encodes UTF-8 text', () => {
    expect(encodeBase64urlText('{"a":"ü"}')).toBe(Buffer.from('{"a":"ü"}').toString('base64url'));
  });

  it('refuses padding, the + and / alphabet, impossible lengths and non-canonical tails', () => {
    expect(decodeBase64url('-_8')).toEqual(new Uint8Array([0xfb, 0xff]));
    for (const bad of ['-_8=', '+/8', 'abcde', 'a b', 'ab.c', '-_9']) expect(decodeBase64url(bad)).toBeUndefined();
  });

  it('makes random strings of the asked byte length', () => {
    const a = randomBase64url(16);
    expect(decodeBase64url(a)).toHaveLength(16);
    expect(randomBase64url(16)).not.toBe(a);
  });
});
