/**
 * Binary morphology with a disk, built on the exact distance transform: the disk of radius r
 * around a pixel reaches the mask exactly when the pixel's distance to the mask is <= r, so
 * dilate(m, r) = (EDT to m) <= r² and erode(m, r) = (EDT to the background) > r². Two passes of
 * linear cost whatever r, so a 10 mm closing costs what a 1 px one does. Radii are in the units
 * of `spacing` (pixels by default, mm with a pixel spacing in mm) and may be fractional.
 * Runtime-neutral.
 */
import { assertMaskShape, invertMask, type BinaryMask } from './binary-mask.js';
import { squaredDistanceTransform, type PixelSpacing } from './distance-transform.js';

export interface MorphologyOptions {
  /** [row spacing, column spacing]; the radius is in these units. Default [1, 1] (pixels). */
  spacing?: PixelSpacing;
}

export interface ErodeOptions extends MorphologyOptions {
  /**
   * What lies beyond the image: 'background' (scipy's border_value=0: a mask touching the
   * border is eroded from it) or 'foreground' (the mask is taken to continue past the border).
   * Default 'background'.
   */
  outside?: 'background' | 'foreground';
}

function checkRadius(radius: number): void {
  if (!(radius >= 0) || !Number.isFinite(radius)) throw new RangeError(`radius must be a finite number >= 0, got ${radius}`);
}

/** r² with a little slack, so a disk of radius 2 mm at 0.7 mm spacing keeps its rim pixels despite rounding. */
const squaredWithSlack = (r: number): number => r * r * (1 + 1e-9) + 1e-9;

/**
 * Pixels within `radius` of the mask (the Minkowski sum with a closed disk).
 *
 * @example
 * dilate({ width: 5, height: 1, data: Uint8Array.of(0, 0, 1, 0, 0) }, 1).data; // [0, 1, 1, 1, 0]
 * dilate(lungs, 2, { spacing: [0.7, 0.7] }); // 2 mm
 */
export function dilate(mask: BinaryMask, radius: number, opts: MorphologyOptions = {}): BinaryMask {
  assertMaskShape(mask);
  checkRadius(radius);
  const d2 = squaredDistanceTransform(mask, opts.spacing).data;
  const r2 = squaredWithSlack(radius);
  const data = new Uint8Array(d2.length);
  for (let i = 0; i < data.length; i++) data[i] = d2[i]! <= r2 ? 1 : 0;
  return { width: mask.width, height: mask.height, data };
}

/**
 * Pixels whose whole disk of `radius` lies inside the mask.
 *
 * @example
 * erode({ width: 5, height: 1, data: Uint8Array.of(0, 1, 1, 1, 0) }, 1).data; // [0, 0, 1, 0, 0]
 */
export function erode(mask: BinaryMask, radius: number, opts: ErodeOptions = {}): BinaryMask {
  assertMaskShape(mask);
  checkRadius(radius);
  const { width: w, height: h } = mask;
  const [sy, sx] = opts.spacing ?? [1, 1];
  const d2 = squaredDistanceTransform(invertMask(mask), opts.spacing).data;
  const r2 = squaredWithSlack(radius);
  const data = new Uint8Array(d2.length);
  const borderIsBackground = (opts.outside ?? 'background') === 'background';
  for (let y = 0; y < h; y++) {
    // The nearest pixel beyond the image is straight across the nearer edge.
    const dy = Math.min(y + 1, h - y) * sy;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!mask.data[i]) continue;
      let d = d2[i]!;
      if (borderIsBackground) {
        const dx = Math.min(x + 1, w - x) * sx;
        const edge = Math.min(dx, dy);
        if (edge * edge < d) d = edge * edge;
      }
      data[i] = d > r2 ? 1 : 0;
    }
  }
  return { width: w, height: h, data };
}

/**
 * Dilate then erode: fills gaps and bays narrower than the disk. The erosion takes the mask to
 * continue past the image border (unlike scipy's binary_closing, which erodes from the border),
 * so a lung cut by the crop keeps its edge pixels.
 *
 * @example
 * close({ width: 5, height: 1, data: Uint8Array.of(1, 1, 0, 1, 1) }, 1).data; // [1, 1, 1, 1, 1]
 */
export function close(mask: BinaryMask, radius: number, opts: MorphologyOptions = {}): BinaryMask {
  return erode(dilate(mask, radius, opts), radius, { ...opts, outside: 'foreground' });
}

/**
 * Erode then dilate: removes parts thinner than the disk (scipy's binary_opening).
 *
 * @example
 * open({ width: 5, height: 1, data: Uint8Array.of(0, 1, 0, 0, 0) }, 1).data; // all 0
 */
export function open(mask: BinaryMask, radius: number, opts: MorphologyOptions = {}): BinaryMask {
  return dilate(erode(mask, radius, opts), radius, opts);
}
