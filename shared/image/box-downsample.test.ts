import { describe, expect, it } from 'vitest';
import { boxDownsample } from './box-downsample.js';

describe('boxDownsample', () => {
  it('averages whole blocks, and partial blocks at the right and bottom edges', () => {
    // 3x3 by 2: blocks of 4, 2 (right), 2 (bottom) and 1 (corner) pixels.
    const r = boxDownsample(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), 3, 3, 2);
    expect(r.width).toBe(2);
    expect(r.height).toBe(2);
    expect([...r.data]).toEqual([3, 4.5, 7.5, 9]);
  });

  it('is the image itself at factor 1, and refuses a bad factor or size', () => {
    expect([...boxDownsample(Float32Array.of(-1000, 40), 2, 1, 1).data]).toEqual([-1000, 40]);
    expect(() => boxDownsample(new Uint8Array(4), 2, 2, 0)).toThrow(RangeError);
    expect(() => boxDownsample(new Uint8Array(3), 2, 2, 2)).toThrow(RangeError);
  });
});
