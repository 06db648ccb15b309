/**
 * Nearest-neighbour resize with half-pixel centres, for label images (a lung mask made at a
 * decoded size, answered at the upload's size): labels must stay labels, never blends of two.
 * Runtime-neutral.
 */
import { assertImageShape, type GrayImage } from './gray-image.js';

/**
 * @example resizeNearest({ width: 2, height: 1, data: Uint8Array.of(1, 2) }, 4, 1).data; // [1, 1, 2, 2]
 */
export function resizeNearest(image: GrayImage, width: number, height: number): GrayImage {
  assertImageShape(image);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`resizeNearest: target size ${width}x${height} is not a positive integer size`);
  }
  if (width === image.width && height === image.height) return image;
  const cols = new Int32Array(width);
  for (let x = 0; x < width; x++) cols[x] = Math.min(image.width - 1, Math.floor(((x + 0.5) * image.width) / width));
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = Math.min(image.height - 1, Math.floor(((y + 0.5) * image.height) / height)) * image.width;
    for (let x = 0; x < width; x++) data[y * width + x] = image.data[row + cols[x]!]!;
  }
  return { width, height, data };
}
