import { describe, expect, it } from 'vitest';
import type { LungMask } from './lung-mask.js';
import { lungSides } from './lung-sides.js';

// Label 1 has the smaller column (by definition) and, here, the larger row.
const mask: Pick<LungMask, 'found' | 'lungs'> = {
  found: true,
  lungs: [
    { label: 1, pixels: 100, centroidColumn: 90, centroidRow: 200 },
    { label: 2, pixels: 100, centroidColumn: 220, centroidRow: 60 },
  ],
};

describe('lungSides', () => {
  it('the usual axial display: columns run to the patient left, so the larger column is the left lung', () => {
    expect(lungSides(mask, [1, 0, 0, 0, 1, 0])).toEqual({ left: 2, right: 1 });
  });

  it('a left-right flipped image: columns run to the patient right', () => {
    expect(lungSides(mask, [-1, 0, 0, 0, 1, 0])).toEqual({ left: 1, right: 2 });
  });

  it('a slightly tilted gantry still reads the row direction', () => {
    expect(lungSides(mask, [0.97, 0.24, 0, -0.24, 0.97, 0])).toEqual({ left: 2, right: 1 });
  });

  it('rotated 90°: columns run along y, so rows and the column direction decide', () => {
    // Rows increase towards patient right (colX = -1): the smaller row (label 2) is the left lung.
    expect(lungSides(mask, [0, 1, 0, -1, 0, 0])).toEqual({ left: 2, right: 1 });
    // Rows increase towards patient left: the larger row (label 1) is the left lung.
    expect(lungSides(mask, [0, -1, 0, 1, 0, 0])).toEqual({ left: 1, right: 2 });
  });

  it('is undefined without an orientation, for a sagittal slice, a bad vector, or lungs not found', () => {
    expect(lungSides(mask)).toBeUndefined();
    expect(lungSides(mask, [0, 1, 0, 0, 0, -1])).toBeUndefined();
    expect(lungSides(mask, [1, 0, 0])).toBeUndefined();
    expect(lungSides(mask, [Number.NaN, 0, 0, 0, 1, 0])).toBeUndefined();
    expect(lungSides({ found: false, lungs: [] }, [1, 0, 0, 0, 1, 0])).toBeUndefined();
  });
});
