/**
 * The linear VOI function at hand-computable points: the window's edges (PS3.3 C.11.2.1.2.1 puts
 * x = c - 0.5 - (w-1)/2 at black and anything above c - 0.5 + (w-1)/2 at white), the half-up
 * rounding at the centre, width 1 as a threshold, and MONOCHROME1 inversion. The real-data check
 * against pydicom is in to-gray8.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { applyVoiWindow } from './voi-lut.js';
import { DEFAULT_LUNG_WINDOW, STANDARD_LUNG_WINDOW } from './window.js';

const at = (values: number[], center: number, width: number, invert = false): number[] =>
  Array.from(applyVoiWindow(Float32Array.from(values), { center, width }, invert));

describe('applyVoiWindow', () => {
  it('standard lung preset (-600/1500): black at or below -1350 HU, white above 149 HU', () => {
    const hu = [-3000, -1350, -1348, -1347, -601, -600.5, -600, 146, 147, 149, 150, 3000];
    expect(at(hu, STANDARD_LUNG_WINDOW.center, STANDARD_LUNG_WINDOW.width)).toEqual([0, 0, 0, 1, 127, 128, 128, 254, 255, 255, 255, 255]);
  });

  it('width 2: only (c-1, c] is interpolated', () => {
    // y = ((x + 0.5) / 1 + 0.5) * 255 for x in (-1, 0]
    expect(at([-1.5, -1, -0.75, -0.5, -0.25, 0, 0.5], 0, 2)).toEqual([0, 0, 64, 128, 191, 255, 255]);
  });

  it('exact .5 values round up, not by float noise', () => {
    // c 175.5, w 100: y = (x - 175) * 255 / 99 + 127.5, so x = 175 +- 33k lands on .5 exactly
    expect(at([142, 175, 208], 175.5, 100)).toEqual([43, 128, 213]);
  });

  it('width 1 is a threshold at c - 0.5 (no division by zero)', () => {
    expect(at([-1, -0.5, -0.25, 0, 1], 0, 1)).toEqual([0, 0, 255, 255, 255]);
    expect(at([39, 39.5, 39.75, 40], 40, 1)).toEqual([0, 0, 255, 255]);
  });

  it('MONOCHROME1: 255 minus the MONOCHROME2 value, edges included', () => {
    const hu = [-3000, -1350, -1347, -600.5, -600, 146, 150, 3000];
    const normal = at(hu, -600, 1500);
    expect(at(hu, -600, 1500, true)).toEqual(normal.map((v) => 255 - v));
    expect(at([-1, 0], 0, 1, true)).toEqual([255, 0]);
  });

  it('is monotonic and uses the whole 0..255 range across the window', () => {
    const hu = Float32Array.from({ length: 4001 }, (_, i) => -2000 + i * 0.75);
    const out = applyVoiWindow(hu, DEFAULT_LUNG_WINDOW, false);
    for (let i = 1; i < out.length; i++) expect(out[i]! >= out[i - 1]!).toBe(true);
    expect(new Set(out).size).toBe(256);
  });

  it('refuses windows the linear function does not define', () => {
    expect(() => applyVoiWindow(new Float32Array(1), { center: 0, width: 0.5 }, false)).toThrow(RangeError);
    expect(() => applyVoiWindow(new Float32Array(1), { center: Number.NaN, width: 10 }, false)).toThrow(/finite window/);
  });
});
