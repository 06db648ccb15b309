import { describe, expect, it } from 'vitest';
import { fillHoles } from './fill-holes.js';
import { maskFromRows as maskOf } from './binary-mask.js';

describe('fillHoles', () => {
  it('fills the inside of a ring (hand case)', () => {
    expect(Array.from(fillHoles(maskOf(['111', '101', '111'])).data)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('matches scipy.ndimage.binary_fill_holes: a ring closed only diagonally still holds its hole', () => {
    const ring = maskOf(['011100', '010010', '010010', '011100', '101000', '111000']);
    // scipy.ndimage.binary_fill_holes of the same mask, computed once.
    const scipy = [
      [0, 1, 1, 1, 0, 0],
      [0, 1, 1, 1, 1, 0],
      [0, 1, 1, 1, 1, 0],
      [0, 1, 1, 1, 0, 0],
      [1, 1, 1, 0, 0, 0],
      [1, 1, 1, 0, 0, 0],
    ];
    expect(Array.from(fillHoles(ring).data)).toEqual(scipy.flat());
  });

  it('leaves background open to the border, and a bay, alone', () => {
    const bay = maskOf(['11111', '10001', '10001', '11011']);
    expect(fillHoles(bay).data).toEqual(bay.data);
  });

  it('does not change its input', () => {
    const ring = maskOf(['111', '101', '111']);
    fillHoles(ring);
    expect(ring.data[4]).toBe(0);
  });
});
