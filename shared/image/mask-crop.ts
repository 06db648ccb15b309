/**
 * Working on the part of an image a mask occupies: its bounding box (widened by a margin, clipped
 * to the image), a crop to it and the way back. The lung steps run per lung inside its box, which
 * cuts their distance transforms to a fraction of the slice. Runtime-neutral.
 */
import type { BinaryMask } from './binary-mask.js';

export interface CropBox {
  x0: number;
  y0: number;
  width: number;
  height: number;
}

/**
 * The set pixels' bounding box widened by [rows, columns] of margin and clipped to the image; the
 * whole image when no pixel is set.
 * @example maskBounds(mask, [1, 1]) // { x0: 9, y0: 4, width: 12, height: 7 }
 */
export function maskBounds(mask: BinaryMask, margin: readonly [number, number] = [0, 0]): CropBox {
  const { width: w, height: h, data } = mask;
  let x0 = w;
  let x1 = -1;
  let y0 = h;
  let y1 = -1;
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      if (!data[i]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  if (x1 < 0) return { x0: 0, y0: 0, width: w, height: h };
  x0 = Math.max(0, x0 - margin[1]);
  y0 = Math.max(0, y0 - margin[0]);
  x1 = Math.min(w - 1, x1 + margin[1]);
  y1 = Math.min(h - 1, y1 + margin[0]);
  return { x0, y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** The box's pixels of `mask`, as a mask of the box's size. */
export function cropMask(mask: BinaryMask, box: CropBox): BinaryMask {
  const data = new Uint8Array(box.width * box.height);
  for (let y = 0; y < box.height; y++) {
    const from = (box.y0 + y) * mask.width + box.x0;
    data.set(mask.data.subarray(from, from + box.width), y * box.width);
  }
  return { width: box.width, height: box.height, data };
}

/** A cropped part back in a width x height image of zeros, where the box was. */
export function uncropMask(part: Uint8Array, box: CropBox, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < box.height; y++) out.set(part.subarray(y * box.width, (y + 1) * box.width), (box.y0 + y) * width + box.x0);
  return out;
}
