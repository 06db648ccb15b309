/**
 * Pictures for a person to check an evaluation by eye: the gray slice, the predicted mask
 * (p >= 0.5) tinted semi-transparent red, and the ground truth's outline in green, optionally
 * beside the plain slice. Written as 8-bit RGB PNGs.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import UPNG from 'upng-js';
import { assertImageShape, type FloatImage, type GrayImage } from '../../shared/image/gray-image.js';

export interface OverlayOptions {
  /** Put the plain slice left of the overlay, so the tint does not hide what is under it. */
  sideBySide?: boolean;
  /** Probability at which a pixel counts as predicted infection; the product ships 0.5. */
  threshold?: number;
}

export interface RgbImage {
  width: number;
  height: number;
  /** Row-major R, G, B bytes. */
  data: Uint8Array;
}

const TINT_ALPHA = 0.45;
const RED = [255, 40, 40] as const;
const GREEN = [0, 255, 0] as const;

/** True for a mask pixel with a background 4-neighbour; the image border counts as background so outlines close. */
function isContour(mask: GrayImage, x: number, y: number): boolean {
  const { width: w, height: h, data } = mask;
  if (data[y * w + x]! <= 128) return false;
  const bg = (xx: number, yy: number) => xx < 0 || yy < 0 || xx >= w || yy >= h || data[yy * w + xx]! <= 128;
  return bg(x - 1, y) || bg(x + 1, y) || bg(x, y - 1) || bg(x, y + 1);
}

/**
 * Composes the overlay in memory; slice, probability map and mask must share one size.
 *
 * @example
 * const rgb = renderOverlay(slice.image, prob, slice.mask, { sideBySide: true });
 */
export function renderOverlay(slice: GrayImage, prob: FloatImage, mask: GrayImage, opts: OverlayOptions = {}): RgbImage {
  assertImageShape(slice, 'slice');
  assertImageShape(prob, 'probability map');
  assertImageShape(mask, 'mask');
  const { width: w, height: h } = slice;
  for (const [what, img] of [['probability map', prob], ['mask', mask]] as const) {
    if (img.width !== w || img.height !== h) throw new RangeError(`${what} is ${img.width}x${img.height}; the slice is ${w}x${h}`);
  }
  const threshold = opts.threshold ?? 0.5;
  const offset = opts.sideBySide ? w : 0;
  const outW = w + offset;
  const data = new Uint8Array(outW * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const g = slice.data[i]!;
      let r = g, gr = g, b = g;
      if (isContour(mask, x, y)) {
        [r, gr, b] = GREEN;
      } else if (prob.data[i]! >= threshold) {
        r = Math.round(g * (1 - TINT_ALPHA) + RED[0] * TINT_ALPHA);
        gr = Math.round(g * (1 - TINT_ALPHA) + RED[1] * TINT_ALPHA);
        b = Math.round(g * (1 - TINT_ALPHA) + RED[2] * TINT_ALPHA);
      }
      const o = (y * outW + offset + x) * 3;
      data[o] = r;
      data[o + 1] = gr;
      data[o + 2] = b;
      if (opts.sideBySide) data.fill(g, (y * outW + x) * 3, (y * outW + x) * 3 + 3);
    }
  }
  return { width: outW, height: h, data };
}

/**
 * upng-js 2.1.0's encode takes a sixth argument, forbidPlte, that @types/upng-js (written for a
 * later API) omits; without it a slice with few colours would come out as a palette PNG.
 */
const encodePng = UPNG.encode as (frames: ArrayBuffer[], w: number, h: number, colours: number, delays?: number[], forbidPlte?: boolean) => ArrayBuffer;

/** Encodes as a lossless 8-bit RGB PNG (upng-js drops the alpha channel of an opaque image). */
export function encodeRgbPng(image: RgbImage): Uint8Array {
  const { width, height, data } = image;
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; j < rgba.length; i += 3, j += 4) {
    rgba[j] = data[i]!;
    rgba[j + 1] = data[i + 1]!;
    rgba[j + 2] = data[i + 2]!;
    rgba[j + 3] = 255;
  }
  // 0 colours = lossless (no quantisation).
  return new Uint8Array(encodePng([rgba.buffer], width, height, 0, undefined, true));
}

/** Renders and writes one overlay PNG, creating its folder. */
export async function writeOverlay(path: string, slice: GrayImage, prob: FloatImage, mask: GrayImage, opts: OverlayOptions = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, encodeRgbPng(renderOverlay(slice, prob, mask, opts)));
}
