/** The zig-zag order against T.81 figure A.6 and the k x k selection built on it. */
import { describe, expect, it } from 'vitest';
import { keptIndex, ZIGZAG_TO_NATURAL } from './zigzag.js';

describe('ZIGZAG_TO_NATURAL', () => {
  it('is a permutation of 0..63 that starts and ends as figure A.6 draws it', () => {
    expect([...ZIGZAG_TO_NATURAL].sort((a, b) => a - b)).toEqual(Array.from({ length: 64 }, (_, i) => i));
    expect([...ZIGZAG_TO_NATURAL.subarray(0, 10)]).toEqual([0, 1, 8, 16, 9, 2, 3, 10, 17, 24]);
    expect([...ZIGZAG_TO_NATURAL.subarray(57)]).toEqual([60, 61, 54, 47, 55, 62, 63]);
  });

  it('walks one anti-diagonal at a time', () => {
    const diagonal = (n: number): number => (n >> 3) + (n & 7);
    for (let z = 1; z < 64; z++) expect(diagonal(ZIGZAG_TO_NATURAL[z]!) - diagonal(ZIGZAG_TO_NATURAL[z - 1]!)).toBeGreaterThanOrEqual(0);
  });
});

describe('keptIndex', () => {
  it.each([1, 2, 4, 8])('keeps exactly the k x k top-left coefficients for k = %i', (k) => {
    const map = keptIndex(k);
    const kept = [...map].filter((i) => i >= 0);
    expect(kept.sort((a, b) => a - b)).toEqual(Array.from({ length: k * k }, (_, i) => i));
    for (let z = 0; z < 64; z++) {
      const n = ZIGZAG_TO_NATURAL[z]!;
      const inside = n >> 3 < k && (n & 7) < k;
      expect(map[z], `zig-zag ${z}`).toBe(inside ? (n >> 3) * k + (n & 7) : -1);
    }
  });
});
