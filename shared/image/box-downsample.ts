/**
 * Shrinks an image by a whole factor, each output pixel the mean of its factor x factor block
 * (the last row and column of blocks may be partial). The lung mask runs on slices shrunk this
 * way: its steps are millimetres wide, so a 512-pixel slice at 256 loses nothing they see, at a
 * quarter of the cost. Runtime-neutral.
 */

/**
 * @example boxDownsample(Float32Array.of(0, 2, 4, 6), 2, 2, 2) // { width: 1, height: 1, data: [3] }
 */
export function boxDownsample(data: ArrayLike<number>, width: number, height: number, factor: number): { width: number; height: number; data: Float32Array } {
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`factor must be a positive integer, got ${factor}`);
  if (data.length !== width * height) throw new RangeError(`${data.length} pixels for ${width}x${height}`);
  const w = Math.ceil(width / factor);
  const h = Math.ceil(height / factor);
  const sum = new Float64Array(w * h);
  const count = new Float64Array(w * h);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / factor) * w;
    for (let x = 0; x < width; x++) {
      const o = row + Math.floor(x / factor);
      sum[o]! += data[y * width + x]!;
      count[o]!++;
    }
  }
  const out = new Float32Array(w * h);
  for (let i = 0; i < out.length; i++) out[i] = sum[i]! / count[i]!;
  return { width: w, height: h, data: out };
}
