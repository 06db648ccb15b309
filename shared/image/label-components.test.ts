import { describe, expect, it } from 'vitest';
import { maskFromRows as maskOf, type BinaryMask } from './binary-mask.js';
import { labelComponents, selectComponents } from './label-components.js';

// A seeded random 7x9 mask and scipy.ndimage.label of it (structure np.ones((3, 3))), computed once.
const M = ['000110100', '011100000', '001101100', '000011101', '010110000', '010000010', '110000000'];
const SCIPY_L8 = [
  [0, 0, 0, 1, 1, 0, 2, 0, 0],
  [0, 1, 1, 1, 0, 0, 0, 0, 0],
  [0, 0, 1, 1, 0, 1, 1, 0, 0],
  [0, 0, 0, 0, 1, 1, 1, 0, 3],
  [0, 4, 0, 1, 1, 0, 0, 0, 0],
  [0, 4, 0, 0, 0, 0, 0, 5, 0],
  [4, 4, 0, 0, 0, 0, 0, 0, 0],
];

describe('labelComponents', () => {
  it('matches scipy.ndimage.label with 8-connectivity, label for label', () => {
    const { labels, components } = labelComponents(maskOf(M), 8);
    expect(Array.from(labels)).toEqual(SCIPY_L8.flat());
    expect(components.map((c) => c.area)).toEqual([14, 1, 1, 4, 1]);
  });

  it('counts 6 components with 4-connectivity, as scipy does', () => {
    expect(labelComponents(maskOf(M), 4).components).toHaveLength(6);
  });

  it('gives area, centroid, bounding box and border contact (hand case)', () => {
    const { components } = labelComponents(maskOf(['0000', '0110', '0100', '0001']), 4);
    expect(components).toEqual([
      { label: 1, area: 3, centroidColumn: 4 / 3, centroidRow: 4 / 3, minColumn: 1, maxColumn: 2, minRow: 1, maxRow: 2, touchesBorder: false },
      { label: 2, area: 1, centroidColumn: 3, centroidRow: 3, minColumn: 3, maxColumn: 3, minRow: 3, maxRow: 3, touchesBorder: true },
    ]);
  });

  it('joins a U whose arms meet only below (union of two provisional labels)', () => {
    const { components } = labelComponents(maskOf(['101', '101', '111']), 4);
    expect(components).toHaveLength(1);
    expect(components[0]!.area).toBe(7);
  });

  it('handles a 4-connected checkerboard (the most provisional labels) and an empty mask', () => {
    const w = 31;
    const board: BinaryMask = { width: w, height: w, data: Uint8Array.from({ length: w * w }, (_, i) => ((i % w) + Math.floor(i / w)) % 2 === 0 ? 1 : 0) };
    expect(labelComponents(board, 4).components).toHaveLength(Math.ceil((w * w) / 2));
    expect(labelComponents(board, 8).components).toHaveLength(1);
    expect(labelComponents({ width: 3, height: 2, data: new Uint8Array(6) }).components).toEqual([]);
  });

  it('selects components into a mask', () => {
    const l = labelComponents(maskOf(M), 8);
    const big = selectComponents(l, (c) => c.area >= 4);
    expect(big.data.reduce((a, b) => a + b, 0)).toBe(18);
  });

  it('rejects a bad connectivity and a bad shape', () => {
    expect(() => labelComponents(maskOf(M), 6 as 4)).toThrow(/connectivity must be 4 or 8/);
    expect(() => labelComponents({ width: 3, height: 3, data: new Uint8Array(8) })).toThrow(/8 pixels for 3x3/);
  });

  it('labels a 512x512 mask in linear time without recursion', () => {
    const w = 512;
    const data = Uint8Array.from({ length: w * w }, (_, i) => (((i * 2654435761) >>> 0) % 7 < 4 ? 1 : 0));
    const t0 = performance.now();
    const { labels } = labelComponents({ width: w, height: w, data }, 8);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(labels.length).toBe(w * w);
  });
});
