import { describe, expect, it } from 'vitest';
import { maskFromRows } from './binary-mask.js';
import { NO_DISTANCE, squaredDistanceTransform } from './distance-transform.js';

// A seeded random 7x9 mask and scipy.ndimage.distance_transform_edt(1 - M) ** 2, computed once.
const M = ['000110100', '011100000', '001101100', '000011101', '010110000', '010000010', '110000000'];
const SCIPY = [
  [2, 1, 1, 0, 0, 1, 0, 1, 4],
  [1, 0, 0, 0, 1, 1, 1, 2, 4],
  [2, 1, 0, 0, 1, 0, 0, 1, 1],
  [2, 1, 1, 1, 0, 0, 0, 1, 0],
  [1, 0, 1, 0, 0, 1, 1, 1, 1],
  [1, 0, 1, 1, 1, 2, 1, 0, 1],
  [0, 0, 1, 4, 4, 5, 2, 1, 2],
];
// The same with sampling=[2, 0.5] (rows 2 apart, columns 0.5 apart).
const SCIPY_ANISOTROPIC = [
  [2.25, 1.0, 0.25, 0.0, 0.0, 0.25, 0.0, 0.25, 1.0],
  [0.25, 0.0, 0.0, 0.0, 0.25, 1.0, 2.25, 4.0, 5.0],
  [1.0, 0.25, 0.0, 0.0, 0.25, 0.0, 0.0, 0.25, 1.0],
  [4.0, 2.25, 1.0, 0.25, 0.0, 0.0, 0.0, 0.25, 0.0],
  [0.25, 0.0, 0.25, 0.0, 0.0, 0.25, 1.0, 2.25, 4.0],
  [0.25, 0.0, 0.25, 1.0, 2.25, 1.0, 0.25, 0.0, 0.25],
  [0.0, 0.0, 0.25, 1.0, 2.25, 4.0, 4.25, 4.0, 4.25],
];

/** The definition, by brute force: min over set pixels of the squared distance. */
function bruteForce(mask: { width: number; height: number; data: Uint8Array }, sy = 1, sx = 1): number[] {
  const { width: w, height: h, data } = mask;
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let best = NO_DISTANCE;
      for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) if (data[j * w + i]) best = Math.min(best, ((y - j) * sy) ** 2 + ((x - i) * sx) ** 2);
      out.push(best);
    }
  }
  return out;
}

describe('squaredDistanceTransform', () => {
  it('gives squared distances along a line (hand case)', () => {
    expect(Array.from(squaredDistanceTransform({ width: 5, height: 1, data: Uint8Array.of(1, 0, 0, 0, 1) }).data)).toEqual([0, 1, 4, 1, 0]);
    expect(Array.from(squaredDistanceTransform(maskFromRows(['100', '000', '000'])).data)).toEqual([0, 1, 4, 1, 2, 5, 4, 5, 8]);
  });

  it('matches scipy.ndimage.distance_transform_edt squared', () => {
    expect(Array.from(squaredDistanceTransform(maskFromRows(M)).data)).toEqual(SCIPY.flat());
  });

  it('matches scipy with anisotropic sampling', () => {
    const d = Array.from(squaredDistanceTransform(maskFromRows(M), [2, 0.5]).data);
    d.forEach((v, i) => expect(v).toBeCloseTo(SCIPY_ANISOTROPIC.flat()[i]!, 5));
  });

  it('matches brute force on random masks of odd sizes and densities', () => {
    let seed = 12345;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (const [w, h, p] of [
      [13, 7, 0.05],
      [8, 19, 0.3],
      [25, 25, 0.01],
      [1, 9, 0.2],
    ] as const) {
      const mask = { width: w, height: h, data: Uint8Array.from({ length: w * h }, () => (rand() < p ? 1 : 0)) };
      mask.data[Math.floor(rand() * w * h)] = 1;
      expect(Array.from(squaredDistanceTransform(mask).data)).toEqual(bruteForce(mask));
      const aniso = Array.from(squaredDistanceTransform(mask, [0.7, 1.3]).data);
      bruteForce(mask, 0.7, 1.3).forEach((v, i) => expect(aniso[i]).toBeCloseTo(v, 3));
    }
  });

  it('gives NO_DISTANCE everywhere for an empty mask', () => {
    expect(Array.from(squaredDistanceTransform({ width: 2, height: 2, data: new Uint8Array(4) }).data)).toEqual(new Array(4).fill(Math.fround(NO_DISTANCE)));
  });

  it('rejects a bad spacing, naming it', () => {
    expect(() => squaredDistanceTransform(maskFromRows(['1']), [0, 1])).toThrow(/spacing must be two positive numbers/);
  });
});
