/**
 * The five PNG filter types on hand-computable rows (PNG spec section 9: arithmetic mod 256, the
 * row above the first is zeros, Paeth's tie order a, b, c), and the adaptive choice.
 */
import { describe, expect, it } from 'vitest';
import { filterGrayRows, type PngFilterStrategy } from './png-row-filters.js';

// 3x2: first row 10 20 5, second row 12 18 250
const pixels = Uint8Array.of(10, 20, 5, 12, 18, 250);
const rows = (strategy: PngFilterStrategy): number[][] => {
  const out = Array.from(filterGrayRows(pixels, 3, 2, strategy));
  return [out.slice(0, 4), out.slice(4, 8)];
};

describe('filterGrayRows', () => {
  it('none copies each row after a 0 byte', () => {
    expect(rows('none')).toEqual([
      [0, 10, 20, 5],
      [0, 12, 18, 250],
    ]);
  });
  it('sub: minus the left neighbour, mod 256', () => {
    expect(rows('sub')).toEqual([
      [1, 10, 10, 241],
      [1, 12, 6, 232],
    ]);
  });
  it('up: minus the pixel above (zeros above the first row)', () => {
    expect(rows('up')).toEqual([
      [2, 10, 20, 5],
      [2, 2, 254, 245],
    ]);
  });
  it('average: minus floor((left + up) / 2)', () => {
    // row 0: 10, 20 - 5, 5 - 10; row 1: 12 - 5, 18 - floor(32 / 2), 250 - floor(23 / 2)
    expect(rows('average')).toEqual([
      [3, 10, 15, 251],
      [3, 7, 2, 239],
    ]);
  });
  it('paeth: minus the closest of left, up, up-left to left + up - upLeft', () => {
    // row 1: x0 a=0 b=10 c=0 -> b (10); x1 a=12 b=20 c=10 -> p=22, picks b (20); x2 a=18 b=5 c=20 -> p=3, picks b (5)
    expect(rows('paeth')).toEqual([
      [4, 10, 10, 241],
      [4, 2, 254, 245],
    ]);
  });
  it('adaptive takes the cheapest filter per row, the lower type on ties', () => {
    const flat = Uint8Array.of(7, 7, 7, 7, 7, 7, 7, 7, 9, 9, 9, 9);
    const out = filterGrayRows(flat, 4, 3, 'adaptive');
    // row 0: sub 7 0 0 0 (cost 7) beats none (28); row 1: up is all zeros (cost 0, stops there);
    // row 2 under a row of 7s: up 2 2 2 2 costs 8, sub 9 0 0 0 costs 9, paeth 2 0 0 0 costs 2
    expect(Array.from(out)).toEqual([1, 7, 0, 0, 0, 2, 0, 0, 0, 0, 4, 2, 0, 0, 0]);
    // a tie (a row of zeros under zeros: every filter costs 0) keeps None
    expect(Array.from(filterGrayRows(new Uint8Array(4), 2, 2, 'adaptive'))).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
