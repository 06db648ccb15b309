/**
 * Bilinear resize with half-pixel centres: the sampling of OpenCV's INTER_LINEAR and of torch's
 * `interpolate(mode='bilinear', align_corners=False)`, so a slice resized here matches what the
 * network was trained on up to rounding. No antialiasing (PIL's BILINEAR widens its filter when
 * shrinking; OpenCV and torch do not). Runtime-neutral: runs in Node and in Workers.
 */
import { assertImageShape, type FloatImage, type GrayImage } from './gray-image.js';

/** For each output column (or row): the two source indices and the weight of the second one. */
interface Taps {
  lo: Int32Array;
  hi: Int32Array;
  frac: Float64Array;
}

function taps(src: number, dst: number): Taps {
  const lo = new Int32Array(dst);
  const hi = new Int32Array(dst);
  const frac = new Float64Array(dst);
  const scale = src / dst;
  for (let i = 0; i < dst; i++) {
    // Centre of output pixel i in source coordinates; edges clamp like OpenCV's BORDER_REPLICATE.
    const s = Math.max(0, (i + 0.5) * scale - 0.5);
    const i0 = Math.min(Math.floor(s), src - 1);
    lo[i] = i0;
    hi[i] = Math.min(i0 + 1, src - 1);
    frac[i] = i0 === src - 1 ? 0 : s - i0;
  }
  return { lo, hi, frac };
}

/** Interpolates `src` (srcW x srcH) into `out` (dstW x dstH), handing each value to `write`. */
function resample(
  src: ArrayLike<number>,
  srcW: number,
  srcH: number,
  dstW: number,
  dstH: number,
  write: (i: number, v: number) => void,
): void {
  const xs = taps(srcW, dstW);
  const ys = taps(srcH, dstH);
  for (let y = 0; y < dstH; y++) {
    const r0 = ys.lo[y]! * srcW;
    const r1 = ys.hi[y]! * srcW;
    const fy = ys.frac[y]!;
    for (let x = 0; x < dstW; x++) {
      const x0 = xs.lo[x]!;
      const x1 = xs.hi[x]!;
      const fx = xs.frac[x]!;
      const top = src[r0 + x0]! + (src[r0 + x1]! - src[r0 + x0]!) * fx;
      const bottom = src[r1 + x0]! + (src[r1 + x1]! - src[r1 + x0]!) * fx;
      write(y * dstW + x, top + (bottom - top) * fy);
    }
  }
}

function checkTarget(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`target size ${width}x${height} is not a positive integer size`);
  }
}

/**
 * Resizes an 8-bit gray image, rounding to the nearest level.
 *
 * @example
 * const input = resizeBilinear(slice, 352, 352); // what the network takes
 */
export function resizeBilinear(image: GrayImage, width: number, height: number): GrayImage {
  assertImageShape(image, 'image');
  checkTarget(width, height);
  if (width === image.width && height === image.height) return { width, height, data: image.data.slice() };
  const data = new Uint8Array(width * height);
  // Interpolated values stay inside the source range, so rounding never leaves 0..255.
  resample(image.data, image.width, image.height, width, height, (i, v) => {
    data[i] = Math.round(v);
  });
  return { width, height, data };
}

/**
 * Resizes a float map (a probability map back to the slice's size) without quantising.
 *
 * @example
 * const prob = resizeBilinearFloat({ width: 352, height: 352, data }, mask.width, mask.height);
 */
export function resizeBilinearFloat(image: FloatImage, width: number, height: number): FloatImage {
  assertImageShape(image, 'image');
  checkTarget(width, height);
  if (width === image.width && height === image.height) return { width, height, data: image.data.slice() };
  const data = new Float32Array(width * height);
  resample(image.data, image.width, image.height, width, height, (i, v) => {
    data[i] = v;
  });
  return { width, height, data };
}
