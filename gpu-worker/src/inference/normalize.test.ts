import { describe, expect, it } from 'vitest';
import { grayToNormalizedNchw, normalizationTables, probabilityToByte } from './normalize.js';

const imagenet = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;

describe('normalisation', () => {
  it('repeats gray to three channels with ImageNet mean/std, in NCHW order per slice', () => {
    const gray = new Uint8Array([0, 255, 128, 64, /* slice 2 */ 10, 20, 30, 40]);
    const out = new Float32Array(2 * 3 * 4);
    grayToNormalizedNchw(gray, 2, 4, normalizationTables(imagenet), out);
    expect(out[0]).toBeCloseTo((0 - 0.485) / 0.229, 5);
    expect(out[1]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    expect(out[4 + 2]).toBeCloseTo((128 / 255 - 0.456) / 0.224, 5);
    expect(out[8 + 3]).toBeCloseTo((64 / 255 - 0.406) / 0.225, 5);
    // Second slice starts after 3 channels of the first.
    expect(out[12]).toBeCloseTo((10 / 255 - 0.485) / 0.229, 5);
    expect(out[12 + 8 + 3]).toBeCloseTo((40 / 255 - 0.406) / 0.225, 5);
  });

  it('maps probabilities to bytes with rounding and clamps NaN and out-of-range values', () => {
    const out = new Uint8Array(7);
    probabilityToByte(new Float32Array([0, 1, 0.5, 0.998, -0.2, 1.7, NaN]), out);
    expect([...out]).toEqual([0, 255, 128, 254, 0, 255, 0]);
  });
});
