import { describe, expect, it } from 'vitest';
import { countInside, lungRegion, noLungs } from './lung-mask.js';

describe('lungRegion and countInside', () => {
  const labels = Uint8Array.of(0, 0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  it('joins both lungs, and widens them by a disk', () => {
    expect(Array.from(lungRegion({ width: 5, height: 5, labels }).data)).toEqual(Array.from(labels, (v) => (v ? 1 : 0)));
    const wide = lungRegion({ width: 5, height: 5, labels }, 1).data;
    // Pixel 6 (1, 1) and 9 (4, 1) with their 4-neighbours.
    expect([...wide.keys()].filter((i) => wide[i])).toEqual([1, 4, 5, 6, 7, 8, 9, 11, 14]);
  });

  it('counts a 0/255 mask per lung', () => {
    const infection = Uint8Array.from(labels, (_, i) => (i === 6 || i === 9 || i === 0 ? 255 : 0));
    expect(countInside(infection, labels)).toEqual({ total: 3, lung1: 1, lung2: 1, inside: 2 });
  });

  it('names the mismatch', () => {
    expect(() => countInside(new Uint8Array(3), labels)).toThrow(/mask has 3 pixels, lungLabels 25/);
    expect(() => lungRegion({ width: 4, height: 4, labels })).toThrow(/labels: 25 pixels for 4x4/);
  });

  it('noLungs says why and holds no labels', () => {
    expect(noLungs(2, 2, 'hounsfield', 'one_lung')).toEqual({ width: 2, height: 2, labels: new Uint8Array(4), found: false, failure: 'one_lung', lungs: [], method: 'hounsfield' });
  });
});
