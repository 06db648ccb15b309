/**
 * The pixels the GPU worker receives for one slice: the 8-bit slice resized to the model's square
 * input with the same half-pixel bilinear resize the network was trained with, plus the original
 * size so the probability map can be mapped back. Runtime-neutral (Web APIs only).
 */
import type { GrayImage } from '../../../shared/image/gray-image.js';
import { resizeBilinear } from '../../../shared/image/resize-bilinear.js';

/** One slice ready for the wire (SliceMeta's width/height are `inputSize`). */
export interface ModelInput {
  /** inputSize * inputSize 8-bit pixels, row-major. */
  pixels: Uint8Array;
  originalWidth: number;
  originalHeight: number;
}

/**
 * Resizes a slice to `inputSize` x `inputSize` (from the model manifest; the aspect ratio is not
 * kept, as in training).
 *
 * @example
 * const { pixels } = toModelInput(gray, manifest.inputSize);
 */
export function toModelInput(gray: GrayImage, inputSize: number): ModelInput {
  if (!Number.isInteger(inputSize) || inputSize <= 0) throw new RangeError(`inputSize must be a positive integer, got ${inputSize}`);
  const resized = resizeBilinear(gray, inputSize, inputSize);
  return { pixels: resized.data, originalWidth: gray.width, originalHeight: gray.height };
}
