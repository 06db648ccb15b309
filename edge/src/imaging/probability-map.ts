/**
 * What the edge does with the GPU worker's answer for one slice: the 8-bit probability map (0..255 =
 * round(p * 255)) at the model's input size, resized back to the upload's size, and the binary
 * infection mask made from it. Runtime-neutral (Web APIs only).
 */
import type { GrayImage } from '../../../shared/image/gray-image.js';
import { resizeBilinear } from '../../../shared/image/resize-bilinear.js';

/**
 * The mask threshold on the 8-bit scale. 128/255 is 0.502, yet the rule is exactly p >= 0.5:
 * the GPU worker sends round(p * 255) (half up), and round(p * 255) >= 128 exactly when
 * p * 255 >= 127.5, i.e. p >= 0.5. After resizing, a pixel is in the mask when its interpolated
 * value (before rounding) is >= 127.5, the same rule.
 */
export const DEFAULT_MASK_THRESHOLD = 128;

/**
 * The probability map at the upload's size, bilinear (half-pixel centres, like the input resize)
 * and rounded back to 8 bits.
 *
 * @example
 * const prob = probabilityAtOriginalSize(maps[i], 352, meta.originalWidth, meta.originalHeight);
 */
export function probabilityAtOriginalSize(prob: Uint8Array, inputSize: number, originalWidth: number, originalHeight: number): GrayImage {
  if (!Number.isInteger(inputSize) || inputSize <= 0) throw new RangeError(`inputSize must be a positive integer, got ${inputSize}`);
  if (prob.length !== inputSize * inputSize) {
    throw new RangeError(`probability map: ${prob.length} values for a ${inputSize}x${inputSize} map (needs ${inputSize * inputSize})`);
  }
  return resizeBilinear({ width: inputSize, height: inputSize, data: prob }, originalWidth, originalHeight);
}

/**
 * 255 where prob >= threshold, else 0 (PNG-ready, the 0/255 convention of the covid-semiseg masks).
 *
 * @example
 * const mask = { width, height, data: maskFromProbability(prob.data) };
 */
export function maskFromProbability(prob: Uint8Array, threshold = DEFAULT_MASK_THRESHOLD): Uint8Array {
  // 0 would mark every pixel and 256 none: neither is a segmentation.
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > 255) throw new RangeError(`threshold must be an integer in 1..255, got ${threshold}`);
  const out = new Uint8Array(prob.length);
  for (let i = 0; i < prob.length; i++) out[i] = prob[i]! >= threshold ? 255 : 0;
  return out;
}
