/**
 * PNG scanline filtering for 8-bit gray images (one byte per pixel, PNG spec section 9): each row
 * of the image becomes a filter-type byte plus the filtered row, ready for zlib. Runtime-neutral.
 */
import { paeth } from './paeth-predictor.js';

/** Filter types (PNG spec table 9.1), plus `adaptive`: per row, the one with the least sum of |byte|. */
export type PngFilterStrategy = 'none' | 'sub' | 'up' | 'average' | 'paeth' | 'adaptive';

const TYPE = { none: 0, sub: 1, up: 2, average: 3, paeth: 4 } as const;


/**
 * Writes `row` filtered with `type` into `out` at `at` (the filter byte first). `prior` is the row
 * above, or undefined for the first row (whose "above" is all zeros, section 9.2).
 */
function filterRow(type: number, row: Uint8Array, prior: Uint8Array | undefined, out: Uint8Array, at: number): void {
  const w = row.length;
  out[at] = type;
  const o = at + 1;
  // Uint8Array stores wrap mod 256, which is the filter arithmetic the spec asks for.
  switch (type) {
    case 0:
      out.set(row, o);
      return;
    case 1:
      out[o] = row[0]!;
      for (let x = 1; x < w; x++) out[o + x] = row[x]! - row[x - 1]!;
      return;
    case 2:
      if (!prior) out.set(row, o);
      else for (let x = 0; x < w; x++) out[o + x] = row[x]! - prior[x]!;
      return;
    case 3:
      if (!prior) {
        out[o] = row[0]!;
        for (let x = 1; x < w; x++) out[o + x] = row[x]! - (row[x - 1]! >> 1);
      } else {
        out[o] = row[0]! - (prior[0]! >> 1);
        for (let x = 1; x < w; x++) out[o + x] = row[x]! - ((row[x - 1]! + prior[x]!) >> 1);
      }
      return;
    default:
      if (!prior) {
        // Paeth with b = c = 0 predicts a: the Sub filter.
        out[o] = row[0]!;
        for (let x = 1; x < w; x++) out[o + x] = row[x]! - row[x - 1]!;
      } else {
        out[o] = row[0]! - prior[0]!;
        for (let x = 1; x < w; x++) out[o + x] = row[x]! - paeth(row[x - 1]!, prior[x]!, prior[x - 1]!);
      }
  }
}

/** Sum of the filtered bytes read as signed values: libpng's "minimum sum of absolute differences". */
function cost(out: Uint8Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) {
    const v = out[i]!;
    sum += v < 128 ? v : 256 - v;
  }
  return sum;
}

/**
 * The filtered image data (height rows of 1 + width bytes) that PNG deflates into IDAT.
 *
 * @example
 * const raw = filterGrayRows(mask.data, mask.width, mask.height, 'up');
 */
export function filterGrayRows(pixels: Uint8Array, width: number, height: number, strategy: PngFilterStrategy): Uint8Array {
  const stride = width + 1;
  const out = new Uint8Array(height * stride);
  const scratch = strategy === 'adaptive' ? new Uint8Array(stride) : undefined;
  for (let y = 0; y < height; y++) {
    const row = pixels.subarray(y * width, (y + 1) * width);
    const prior = y === 0 ? undefined : pixels.subarray((y - 1) * width, y * width);
    const at = y * stride;
    if (!scratch) {
      filterRow(TYPE[strategy as keyof typeof TYPE], row, prior, out, at);
      continue;
    }
    let best = Infinity;
    for (let type = 0; type <= 4; type++) {
      filterRow(type, row, prior, scratch, 0);
      const c = cost(scratch, 1, stride);
      // Ties keep the lower type: None and Sub are the cheapest for the decoder to undo.
      if (c < best) {
        best = c;
        out.set(scratch, at);
        if (c === 0) break;
      }
    }
  }
  return out;
}
