/**
 * Test support: what a k x k DCT-domain decode should give, computed from a full-size decode by
 * the textbook definitions alone (T.81 A.3.3 forward DCT of each 8x8 block, keep the top-left
 * k x k coefficients, k-point inverse DCT), written independently of scaled-idct.ts. Only blocks
 * that lie wholly inside the image and hold no clipped sample (0 or 255) are compared: elsewhere
 * the full-size decode lost information (edge padding, clipping) that the coefficients still had.
 */

export interface GrayPlane {
  width: number;
  height: number;
  data: Uint8Array;
}

/** The oracle's k x k samples per comparable block, and which output samples it covers. */
export interface ReducedOracle {
  width: number;
  height: number;
  data: Uint8Array;
  /** 1 where `data` holds an oracle value, 0 where the block was not comparable. */
  mask: Uint8Array;
}

const c = (u: number): number => (u === 0 ? Math.SQRT1_2 : 1);

/** Reduces `full` to ceil(side * k / 8) per side by forward DCT, truncation and k-point IDCT. */
export function reducedByDefinition(full: GrayPlane, k: number): ReducedOracle {
  const width = Math.ceil((full.width * k) / 8);
  const height = Math.ceil((full.height * k) / 8);
  const data = new Uint8Array(width * height);
  const mask = new Uint8Array(width * height);
  const fwd = (x: number, u: number): number => Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  const inv = (n: number, u: number): number => Math.cos(((2 * n + 1) * u * Math.PI) / (2 * k));
  const F = new Float64Array(k * k);
  for (let by = 0; by + 8 <= full.height; by += 8) {
    for (let bx = 0; bx + 8 <= full.width; bx += 8) {
      let clipped = false;
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
        const p = full.data[(by + y) * full.width + bx + x]!;
        if (p === 0 || p === 255) clipped = true;
      }
      if (clipped) continue;
      for (let v = 0; v < k; v++) {
        for (let u = 0; u < k; u++) {
          let s = 0;
          for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) s += (full.data[(by + y) * full.width + bx + x]! - 128) * fwd(x, u) * fwd(y, v);
          F[v * k + u] = (c(u) * c(v) * s) / 4;
        }
      }
      for (let n = 0; n < k; n++) {
        for (let m = 0; m < k; m++) {
          let s = 0;
          for (let v = 0; v < k; v++) for (let u = 0; u < k; u++) s += c(u) * c(v) * F[v * k + u]! * inv(m, u) * inv(n, v);
          const at = ((by / 8) * k + n) * width + (bx / 8) * k + m;
          data[at] = Math.max(0, Math.min(255, Math.round(s / 4 + 128)));
          mask[at] = 1;
        }
      }
    }
  }
  return { width, height, data, mask };
}

/** Largest and mean absolute difference over the samples the mask covers, and how many. */
export function compareMasked(ours: Uint8Array | Uint16Array, oracle: ReducedOracle): { max: number; mean: number; count: number } {
  let max = 0;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < oracle.data.length; i++) {
    if (!oracle.mask[i]) continue;
    const d = Math.abs(ours[i]! - oracle.data[i]!);
    if (d > max) max = d;
    sum += d;
    count++;
  }
  return { max, mean: count ? sum / count : 0, count };
}
