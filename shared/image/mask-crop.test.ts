import { describe, expect, it } from 'vitest';
import { cropMask, maskBounds, uncropMask } from './mask-crop.js';

// 5x4 with pixels at (1,1), (3,1) and (2,2).
const mask = { width: 5, height: 4, data: Uint8Array.from([0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]) };

describe('mask crop', () => {
  it('finds the bounding box, widened by a margin and clipped to the image', () => {
    expect(maskBounds(mask)).toEqual({ x0: 1, y0: 1, width: 3, height: 2 });
    expect(maskBounds(mask, [1, 2])).toEqual({ x0: 0, y0: 0, width: 5, height: 4 });
    expect(maskBounds({ width: 3, height: 2, data: new Uint8Array(6) })).toEqual({ x0: 0, y0: 0, width: 3, height: 2 });
  });

  it('crops to the box and puts the part back where it was', () => {
    const box = maskBounds(mask);
    const part = cropMask(mask, box);
    expect([...part.data]).toEqual([1, 0, 1, 0, 1, 0]);
    expect([...uncropMask(part.data, box, 5, 4)]).toEqual([...mask.data]);
  });
});
