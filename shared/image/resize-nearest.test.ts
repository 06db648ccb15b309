import { describe, expect, it } from 'vitest';
import { resizeNearest } from './resize-nearest.js';

describe('resizeNearest', () => {
  it('repeats labels when enlarging and keeps only existing values', () => {
    expect([...resizeNearest({ width: 2, height: 1, data: Uint8Array.of(1, 2) }, 4, 1).data]).toEqual([1, 1, 2, 2]);
    const big = resizeNearest({ width: 2, height: 2, data: Uint8Array.of(0, 1, 2, 0) }, 5, 3);
    expect(new Set(big.data)).toEqual(new Set([0, 1, 2]));
    expect([...big.data.subarray(0, 5)]).toEqual([0, 0, 1, 1, 1]);
  });

  it('samples pixel centres when shrinking', () => {
    expect([...resizeNearest({ width: 4, height: 1, data: Uint8Array.of(1, 2, 3, 4) }, 2, 1).data]).toEqual([2, 4]);
  });

  it('returns the image itself at its own size, and refuses a bad size', () => {
    const img = { width: 1, height: 1, data: Uint8Array.of(7) };
    expect(resizeNearest(img, 1, 1)).toBe(img);
    expect(() => resizeNearest(img, 0, 1)).toThrow(/0x1/);
  });
});
