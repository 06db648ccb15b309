import { describe, expect, it } from 'vitest';
import { resizeNearest } from '../../../shared/image/resize-nearest.js';
import { sliceInvolvement } from './lung-involvement.js';
import type { StoredLung } from './stored-lung.js';

// 4x2: lung 1 is the left column pair, lung 2 the right pair; the patient's left is label 2.
const lung: StoredLung = {
  found: true,
  method: 'hounsfield',
  width: 4,
  height: 2,
  sides: { left: 2, right: 1 },
  pixelSpacingMm: [0.5, 2],
  labels: Uint8Array.of(1, 1, 2, 2, 1, 0, 2, 2),
};

describe('sliceInvolvement', () => {
  it('counts infection inside each lung, with shares and areas', () => {
    const infection = Uint8Array.of(255, 0, 255, 255, 0, 255, 0, 0); // one infected pixel is outside the lungs
    const r = sliceInvolvement(infection, lung);
    expect(r).toMatchObject({ found: true, method: 'hounsfield', sides: 'image_orientation', pixels: 7, infectedPixels: 3, areaMm2: 7, infectedAreaMm2: 3 });
    expect(r.infectedShare).toBeCloseTo(3 / 7, 12);
    expect(r.left).toEqual({ pixels: 4, infectedPixels: 2, infectedShare: 0.5, areaMm2: 4, infectedAreaMm2: 2 });
    expect(r.right).toEqual({ pixels: 3, infectedPixels: 1, infectedShare: 1 / 3, areaMm2: 3, infectedAreaMm2: 1 });
  });

  it('gives no sides without an orientation, and no share when the lungs were not found', () => {
    const { sides: _, pixelSpacingMm: __, ...plain } = lung;
    const noSides = sliceInvolvement(new Uint8Array(8), { ...plain, method: 'intensity' });
    expect(noSides).toMatchObject({ sides: 'unknown', infectedShare: 0, pixels: 7 });
    expect(noSides).not.toHaveProperty('left');
    expect(noSides).not.toHaveProperty('areaMm2');
    const failed = sliceInvolvement(new Uint8Array(8).fill(255), { ...lung, found: false, failure: 'one_lung' });
    expect(failed).toMatchObject({ found: false, failure: 'one_lung', infectedShare: null, sides: 'unknown' });
  });

  it('reads labels of another size by nearest neighbour, exactly as the enlarged labels would count', () => {
    // 4x2 labels under a 10x7 infection mask with a pattern in it.
    const infection = Uint8Array.from({ length: 70 }, (_, i) => (i * 7) % 3 === 0 ? 255 : 0);
    const enlarged = { ...lung, width: 10, height: 7, labels: resizeNearest({ width: 4, height: 2, data: lung.labels }, 10, 7).data };
    expect(sliceInvolvement(infection, lung, 10, 7)).toEqual(sliceInvolvement(infection, enlarged));
  });

  it('refuses an infection mask that is not the size it is said to be', () => {
    expect(() => sliceInvolvement(new Uint8Array(3), lung)).toThrow(RangeError);
    expect(() => sliceInvolvement(new Uint8Array(70), lung, 10, 6)).toThrow(RangeError);
  });
});
