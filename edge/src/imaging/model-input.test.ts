/** toModelInput on real CT slices: the model's square input, the original size kept for the way back. */
import { describe, expect, it } from 'vitest';
import { resizeBilinear } from '../../../shared/image/resize-bilinear.js';
import { loadTestSlice } from './imaging-data.test-support.js';
import { toModelInput } from './model-input.js';

describe('toModelInput', () => {
  it('resizes a real slice to inputSize x inputSize with the shared bilinear resize', () => {
    const slice = loadTestSlice('18.jpg');
    for (const inputSize of [352, 64, 1]) {
      const input = toModelInput(slice, inputSize);
      expect(input.pixels.length).toBe(inputSize * inputSize);
      expect([input.originalWidth, input.originalHeight]).toEqual([slice.width, slice.height]);
      expect(Buffer.from(input.pixels).equals(Buffer.from(resizeBilinear(slice, inputSize, inputSize).data))).toBe(true);
    }
  });

  it('keeps the slice recognisable: mean intensity within 1 level of the original', () => {
    const slice = loadTestSlice('36.jpg');
    const mean = (a: Uint8Array): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(mean(toModelInput(slice, 352).pixels) - mean(slice.data))).toBeLessThan(1);
  });

  it('a slice already at the input size is copied unchanged, never shared', () => {
    const data = Uint8Array.from({ length: 16 }, (_, i) => i * 16);
    const input = toModelInput({ width: 4, height: 4, data }, 4);
    expect(Array.from(input.pixels)).toEqual(Array.from(data));
    expect(input.pixels).not.toBe(data);
  });

  it('refuses a bad input size', () => {
    const gray = { width: 2, height: 2, data: new Uint8Array(4) };
    for (const bad of [0, -352, 351.5, Number.NaN]) expect(() => toModelInput(gray, bad)).toThrow(/inputSize must be a positive integer/);
  });
});
