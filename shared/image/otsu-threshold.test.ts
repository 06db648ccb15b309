import { describe, expect, it } from 'vitest';
import { otsuOfHistogram, otsuThreshold } from './otsu-threshold.js';

describe('otsuThreshold', () => {
  it('splits two levels between them (hand case)', () => {
    // Classes {10, 10} and {200, 200}: every t in 11..200 separates them equally; the first wins.
    expect(otsuThreshold(Uint8Array.of(10, 10, 200, 200))).toBe(11);
  });

  it('is skimage threshold_otsu + 1 (its bright class is > t, ours >= t)', () => {
    // skimage.filters.threshold_otsu of the same arrays, computed once: 100 and 104.
    const a = Uint8Array.from({ length: 500 }, (_, i) => ((i * 37) % 101) + (i % 3 === 0 ? 120 : 0));
    const b = Uint8Array.from({ length: 1000 }, (_, i) => ((i * 53) % 181) + (i % 4 === 0 ? 60 : 0));
    expect(otsuThreshold(a)).toBe(101);
    expect(otsuThreshold(b)).toBe(105);
  });

  it('counts only the pixels inside `within`', () => {
    const pixels = Uint8Array.of(0, 0, 100, 100, 250, 250);
    expect(otsuThreshold(pixels)).toBeGreaterThan(100); // 0,0,100,100 | 250,250 or 0,0 | ...: the far class
    expect(otsuThreshold(pixels, Uint8Array.of(1, 1, 1, 1, 0, 0))).toBe(1);
    expect(otsuThreshold(pixels, Uint8Array.of(0, 0, 1, 1, 1, 1))).toBe(101);
  });

  it('returns 0 when there is nothing to separate', () => {
    expect(otsuThreshold(new Uint8Array(10).fill(77))).toBe(0);
    expect(otsuThreshold(Uint8Array.of(1, 2), Uint8Array.of(0, 0))).toBe(0);
  });

  it('names the argument whose size is wrong', () => {
    expect(() => otsuThreshold(new Uint8Array(4), new Uint8Array(3))).toThrow(/within: 3 entries for 4 pixels/);
    expect(() => otsuOfHistogram(new Float64Array(10))).toThrow(/histogram: 10 bins/);
  });
});
