/**
 * Test support: EXIF orientation turned upright from the standard's definition alone, pixel by
 * pixel, as an oracle independent of the lookup table in jpeg-orientation.ts.
 */
import type { OrientableImage } from './jpeg-orientation.js';

/**
 * The EXIF definition (TIFF 6.0 / EXIF 2.32, tag 0x0112): for each value, where the stored 0th
 * row and 0th column are meant to be seen. Turning the image upright moves them there.
 */
const SIDES: Record<number, { row0: 'top' | 'bottom' | 'left' | 'right'; col0: 'top' | 'bottom' | 'left' | 'right' }> = {
  1: { row0: 'top', col0: 'left' },
  2: { row0: 'top', col0: 'right' },
  3: { row0: 'bottom', col0: 'right' },
  4: { row0: 'bottom', col0: 'left' },
  5: { row0: 'left', col0: 'top' },
  6: { row0: 'right', col0: 'top' },
  7: { row0: 'right', col0: 'bottom' },
  8: { row0: 'left', col0: 'bottom' },
};

/** Upright image built from the definition alone, pixel by pixel: an oracle independent of the table in the code. */
export function uprightByDefinition(img: OrientableImage, orientation: number): OrientableImage {
  const { width: W, height: H, data } = img;
  const { row0, col0 } = SIDES[orientation]!;
  const swap = row0 === 'left' || row0 === 'right';
  const outW = swap ? H : W;
  const outH = swap ? W : H;
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      // stored row y runs along the side row0 names; stored column x along col0's side
      let ox: number, oy: number;
      if (swap) {
        ox = row0 === 'left' ? y : outW - 1 - y;
        oy = col0 === 'top' ? x : outH - 1 - x;
      } else {
        oy = row0 === 'top' ? y : outH - 1 - y;
        ox = col0 === 'left' ? x : outW - 1 - x;
      }
      out[oy * outW + ox] = data[y * W + x]!;
    }
  }
  return { width: outW, height: outH, data: out };
}
