/**
 * The exact squared Euclidean distance transform (Felzenszwalb & Huttenlocher, "Distance
 * Transforms of Sampled Functions", Theory of Computing 2012): the 1-D lower envelope of
 * parabolas along every row, then along every column, so its cost is linear in the pixels
 * whatever the distances. Morphology with a disk of any radius is built on it
 * (shared/image/morphology.ts). Pixel spacing may differ between rows and columns (CT pixels are
 * square, but resized or photographed slices need not be). Runtime-neutral.
 */
import { assertMaskShape, type BinaryMask } from './binary-mask.js';

/** The value of pixels with no set pixel anywhere in the mask (an empty mask): "no distance". */
export const NO_DISTANCE = 1e20;

/** Columns gathered per block in the second pass (16 floats of a row: one or two cache lines). */
const COLUMN_BLOCK = 16;

/** [row spacing, column spacing]: the distance between rows, and between columns (e.g. mm). */
export type PixelSpacing = readonly [rowSpacing: number, columnSpacing: number];

export interface SquaredDistances {
  width: number;
  height: number;
  /**
   * Squared distance to the nearest set pixel, in units of `spacing` squared. With unit spacing
   * these are exact integers (a Float32Array holds every integer below 2^24, i.e. distances up
   * to 4096 px).
   */
  data: Float32Array;
}

/**
 * For every pixel, the squared distance to the nearest pixel where `mask` is set: 0 on the mask,
 * {@link NO_DISTANCE} everywhere when the mask is empty.
 *
 * @example
 * squaredDistanceTransform({ width: 3, height: 1, data: Uint8Array.of(1, 0, 0) }).data; // [0, 1, 4]
 * squaredDistanceTransform(mask, [0.5, 0.7]); // in mm², rows 0.5 mm and columns 0.7 mm apart
 */
export function squaredDistanceTransform(mask: BinaryMask, spacing: PixelSpacing = [1, 1]): SquaredDistances {
  assertMaskShape(mask);
  const [sy, sx] = spacing;
  if (!(sy > 0) || !(sx > 0) || !Number.isFinite(sy) || !Number.isFinite(sx)) {
    throw new RangeError(`spacing must be two positive numbers, got [${sy}, ${sx}]`);
  }
  const { width: w, height: h, data } = mask;
  const n = Math.max(w, h);
  // Scratch buffers shared by every row and column: no allocation per line.
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const out = new Float32Array(w * h);
  const rowS2 = sx * sx; // along a row, neighbours are one column apart
  const colS2 = sy * sy;
  // Along a row the input is binary, so the 1-D distance is the gap to the nearest set pixel:
  // two sweeps instead of the parabola envelope (the 2-D result is the same, and 4x cheaper).
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let last = -1;
    for (let x = 0; x < w; x++) {
      if (data[row + x]) last = x;
      d[x] = last < 0 ? Infinity : x - last;
    }
    last = -1;
    for (let x = w - 1; x >= 0; x--) {
      if (data[row + x]) last = x;
      const gap = last < 0 ? d[x]! : Math.min(d[x]!, last - x);
      out[row + x] = gap === Infinity ? NO_DISTANCE : gap * gap * rowS2;
    }
  }
  // Columns in blocks: gathering a block row by row reads memory in order, where walking one
  // column at a time strides a whole row per pixel and misses the cache on every read.
  const block = new Float64Array(COLUMN_BLOCK * h);
  for (let x0 = 0; x0 < w; x0 += COLUMN_BLOCK) {
    const bw = Math.min(COLUMN_BLOCK, w - x0);
    for (let y = 0; y < h; y++) {
      const row = y * w + x0;
      for (let b = 0; b < bw; b++) block[b * h + y] = out[row + b]!;
    }
    for (let b = 0; b < bw; b++) {
      const base = b * h;
      for (let y = 0; y < h; y++) {
        const value = block[base + y]!;
        f[y] = value >= NO_DISTANCE ? NO_DISTANCE : value;
      }
      envelope(f, h, colS2, d, v, z);
      for (let y = 0; y < h; y++) block[base + y] = d[y]!;
    }
    for (let y = 0; y < h; y++) {
      const row = y * w + x0;
      for (let b = 0; b < bw; b++) out[row + b] = block[b * h + y]!;
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * d[q] = min over p of (s2 * (q - p)^2 + f[p]) for q in 0..n-1; entries of f at NO_DISTANCE are
 * left out of the envelope (their parabolas would overflow the intersection arithmetic).
 */
function envelope(f: Float64Array, n: number, s2: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[q]!;
    if (fq >= NO_DISTANCE) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    // Where the parabola from q overtakes the rightmost one of the envelope.
    let p = v[k]!;
    let s = (fq + s2 * q * q - (f[p]! + s2 * p * p)) / (2 * s2 * (q - p));
    while (s <= z[k]!) {
      k--;
      p = v[k]!;
      s = (fq + s2 * q * q - (f[p]! + s2 * p * p)) / (2 * s2 * (q - p));
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    d.fill(NO_DISTANCE, 0, n);
    return;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1]! < q) k++;
    const p = v[k]!;
    d[q] = s2 * (q - p) * (q - p) + f[p]!;
  }
}
