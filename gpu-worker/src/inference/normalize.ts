/**
 * Turns 8-bit gray slices into the network's float input and its float output back into 8-bit
 * probabilities. Runs inside the session threads so the HTTP event loop never does per-pixel work.
 */

export interface Normalization {
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/** One 256-entry table per channel: a lookup beats three float ops per pixel and channel. */
export function normalizationTables({ mean, std }: Normalization): Float32Array[] {
  return [0, 1, 2].map((c) => {
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = (v / 255 - mean[c]!) / std[c]!;
    return table;
  });
}

/**
 * Fills `out` (N x 3 x S x S, NCHW) from `gray` (N x S x S): the gray slice repeated to three
 * channels, each normalised with its own mean and std.
 */
export function grayToNormalizedNchw(gray: Uint8Array, count: number, pixels: number, tables: Float32Array[], out: Float32Array): void {
  const [r, g, b] = tables as [Float32Array, Float32Array, Float32Array];
  for (let n = 0; n < count; n++) {
    const src = n * pixels;
    const dst = n * 3 * pixels;
    for (let i = 0; i < pixels; i++) {
      const v = gray[src + i]!;
      out[dst + i] = r[v]!;
      out[dst + pixels + i] = g[v]!;
      out[dst + 2 * pixels + i] = b[v]!;
    }
  }
}

/** Probability in 0..1 to 0..255, rounded; NaN (a broken model) maps to 0 rather than poisoning masks. */
export function probabilityToByte(prob: Float32Array, out: Uint8Array): void {
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i]!;
    out[i] = p > 0 ? (p < 1 ? Math.round(p * 255) : 255) : 0;
  }
}
