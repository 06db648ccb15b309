/**
 * The GPU worker's 8-bit probability map back at the upload's size, and the mask made from it: the
 * threshold sits exactly at p = 0.5, and a real mask sent through the model's input size and back
 * still overlaps itself almost entirely.
 */
import { describe, expect, it } from 'vitest';
import { loadTestMask, testMaskNames } from './imaging-data.test-support.js';
import { toModelInput } from './model-input.js';
import { DEFAULT_MASK_THRESHOLD, maskFromProbability, probabilityAtOriginalSize } from './probability-map.js';

describe('maskFromProbability', () => {
  it('128 and up is infected: round(p * 255) >= 128 exactly when p >= 0.5', () => {
    expect(DEFAULT_MASK_THRESHOLD).toBe(128);
    expect(Array.from(maskFromProbability(Uint8Array.of(0, 1, 127, 128, 129, 255)))).toEqual([0, 0, 0, 255, 255, 255]);
    expect(Math.round(0.5 * 255)).toBe(128);
    expect(Math.round(0.4999 * 255)).toBe(127);
  });

  it('takes another threshold and refuses ones that are not a segmentation', () => {
    expect(Array.from(maskFromProbability(Uint8Array.of(9, 10, 11), 10))).toEqual([0, 255, 255]);
    for (const bad of [0, 256, 12.5, Number.NaN]) expect(() => maskFromProbability(new Uint8Array(1), bad)).toThrow(/threshold/);
  });
});

describe('probabilityAtOriginalSize', () => {
  it('a constant map stays constant at any size', () => {
    const prob = new Uint8Array(352 * 352).fill(200);
    const out = probabilityAtOriginalSize(prob, 352, 401, 173);
    expect([out.width, out.height]).toEqual([401, 173]);
    expect(out.data.every((v) => v === 200)).toBe(true);
  });

  it('interpolates between input pixels (a 2x2 map to 4x4, half-pixel centres)', () => {
    const out = probabilityAtOriginalSize(Uint8Array.of(0, 255, 0, 255), 2, 4, 4);
    expect(Array.from(out.data.subarray(0, 4))).toEqual([0, 64, 191, 255]);
  });

  it('refuses a map of the wrong length', () => {
    expect(() => probabilityAtOriginalSize(new Uint8Array(100), 352, 10, 10)).toThrow(/100 values for a 352x352 map/);
  });

  it('real masks sent to 352x352 and back keep IoU > 0.9 with themselves', () => {
    for (const name of testMaskNames().slice(0, 12)) {
      const mask = loadTestMask(name);
      const down = toModelInput(mask, 352).pixels; // as if the network answered with the mask itself
      const back = maskFromProbability(probabilityAtOriginalSize(down, 352, mask.width, mask.height).data);
      let inter = 0;
      let union = 0;
      for (let i = 0; i < back.length; i++) {
        const a = mask.data[i]! > 0;
        const b = back[i]! > 0;
        if (a && b) inter++;
        if (a || b) union++;
      }
      expect(inter / union, name).toBeGreaterThan(0.9);
    }
  });
});
