/** bytesToBase64 against node's Buffer base64, across chunk boundaries and for a 1.5 MB payload. */
import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64 } from './base64.js';
import { pseudoRandomBytes } from './imaging-data.test-support.js';

describe('bytesToBase64', () => {
  it('RFC 4648 test vectors', () => {
    const enc = (s: string): string => bytesToBase64(new TextEncoder().encode(s));
    expect(['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar'].map(enc)).toEqual(['', 'Zg==', 'Zm8=', 'Zm9v', 'Zm9vYg==', 'Zm9vYmE=', 'Zm9vYmFy']);
  });

  it('every byte value, and lengths around the 24 KiB chunk size', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(bytesToBase64(all)).toBe(Buffer.from(all).toString('base64'));
    for (const n of [24575, 24576, 24577, 49151, 49152, 49153]) {
      const bytes = pseudoRandomBytes(n, n);
      expect(bytesToBase64(bytes), `${n} bytes`).toBe(Buffer.from(bytes).toString('base64'));
    }
  });

  it('a 1.5 MB payload (past where String.fromCharCode(...bytes) overflows the stack)', () => {
    const bytes = pseudoRandomBytes(1_500_001, 42);
    expect(bytesToBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
  });

  it('encodes a subarray view, not its whole buffer', () => {
    const bytes = pseudoRandomBytes(100, 7).subarray(10, 40);
    expect(bytesToBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
  });
});

describe('base64ToBytes', () => {
  it('reads what bytesToBase64 writes, and only that spelling', () => {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes);
    expect(base64ToBytes('AAE=')).toEqual(new Uint8Array([0, 1]));
    // Unpadded, whitespace, non-zero trailing bits, not base64 at all.
    for (const text of ['AAE', 'AA E=', 'AAF=', '!!!!']) expect(base64ToBytes(text)).toBeUndefined();
  });
});
