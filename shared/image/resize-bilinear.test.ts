import { describe, expect, it } from 'vitest';
import type { GrayImage } from './gray-image.js';
import { resizeBilinear, resizeBilinearFloat } from './resize-bilinear.js';

const gray = (width: number, height: number, pixels: number[]): GrayImage => ({ width, height, data: Uint8Array.from(pixels) });

describe('resizeBilinear', () => {
  it('returns the same pixels (as a copy) at the same size', () => {
    const img = gray(3, 2, [1, 2, 3, 250, 128, 0]);
    const out = resizeBilinear(img, 3, 2);
    expect([...out.data]).toEqual([...img.data]);
    expect(out.data).not.toBe(img.data);
  });

  it('upsamples 2x2 to 4x4 with half-pixel centres (hand-computed, as cv2.INTER_LINEAR)', () => {
    // Output centres fall at source -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1) on both axes.
    // Rows along x: [0, 25, 75, 100] and [200, 160, 80, 40]; the middle rows mix them 3:1 and 1:3.
    const out = resizeBilinear(gray(2, 2, [0, 100, 200, 40]), 4, 4);
    expect([...out.data]).toEqual([
      0, 25, 75, 100,
      50, 59, 76, 85, // 58.75 -> 59, 76.25 -> 76
      150, 126, 79, 55, // 126.25 -> 126, 78.75 -> 79
      200, 160, 80, 40,
    ]);
  });

  it('keeps a constant image constant at any size', () => {
    const img = gray(5, 7, new Array(35).fill(77));
    for (const [w, h] of [[1, 1], [3, 11], [352, 352], [5, 2]] as const) {
      const out = resizeBilinear(img, w, h);
      expect(out.data.length).toBe(w * h);
      expect(out.data.every((v) => v === 77)).toBe(true);
    }
  });

  it('averages a 1-pixel checkerboard when halving (each output centre sits between 2x2 inputs)', () => {
    const pixels = Array.from({ length: 16 }, (_, i) => (((i % 4) + Math.floor(i / 4)) % 2 === 0 ? 0 : 255));
    const out = resizeBilinear(gray(4, 4, pixels), 2, 2);
    expect([...out.data]).toEqual([128, 128, 128, 128]); // 127.5 rounds half up
    const f = resizeBilinearFloat({ width: 4, height: 4, data: Float32Array.from(pixels, (v) => v / 255) }, 2, 2);
    expect([...f.data]).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('names what is wrong with a bad image or target size', () => {
    expect(() => resizeBilinear(gray(2, 2, [1, 2, 3]), 4, 4)).toThrow(/image: 3 pixels for a 2x2 image/);
    expect(() => resizeBilinear(gray(2, 2, [1, 2, 3, 4]), 0, 4)).toThrow(/target size 0x4/);
  });
});

describe('resizeBilinearFloat', () => {
  it('interpolates without quantising', () => {
    const out = resizeBilinearFloat({ width: 2, height: 1, data: Float32Array.from([0, 1]) }, 4, 1);
    expect([...out.data]).toEqual([0, 0.25, 0.75, 1]);
  });
});
