/**
 * The plain image types the product passes around: 8-bit gray slices (what the network sees
 * after windowing) and float maps (probabilities). Web-API only, so the edge and the worker share
 * them.
 */

/** Row-major 8-bit gray pixels; `data.length === width * height`. */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Row-major float pixels, e.g. a probability map in 0..1; `data.length === width * height`. */
export interface FloatImage {
  width: number;
  height: number;
  data: Float32Array;
}

/**
 * Throws a RangeError naming `what` unless the image's size is a positive integer pair that
 * matches its pixel count: a wrong length would otherwise read past rows silently.
 */
export function assertImageShape(image: { width: number; height: number; data: { length: number } }, what = 'image'): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`${what}: size ${width}x${height} is not a positive integer size`);
  }
  if (data.length !== width * height) {
    throw new RangeError(`${what}: ${data.length} pixels for a ${width}x${height} image (needs ${width * height})`);
  }
}
