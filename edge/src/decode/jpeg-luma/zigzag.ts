/**
 * Where each coefficient of an 8x8 block lands: the zig-zag order the entropy coder sends them in
 * (ITU T.81 figure A.6), and which of them a k x k reduced-scale decode keeps. Keeping only the
 * top-left k x k coefficients is what makes a 1/2, 1/4 or 1/8 decode cheap in time and memory.
 */

/** Natural (row-major) index of the coefficient sent at each zig-zag position 0..63. */
export const ZIGZAG_TO_NATURAL: Uint8Array = (() => {
  const order = new Uint8Array(64);
  let row = 0;
  let col = 0;
  for (let i = 0; i < 64; i++) {
    order[i] = row * 8 + col;
    // Even diagonals run up-right, odd ones down-left; turn at the block's edges.
    if ((row + col) % 2 === 0) {
      if (col === 7) row++;
      else if (row === 0) col++;
      else (row--, col++);
    } else if (row === 7) col++;
    else if (col === 0) row++;
    else (row++, col--);
  }
  return order;
})();

/** The reduced scales: output is 1/denominator of the frame per side, from k = 8/denominator coefficients. */
export type ScaleDenominator = 1 | 2 | 4 | 8;

/**
 * For a k x k decode: the index (row * k + col) in a k x k coefficient array of the coefficient
 * sent at each zig-zag position, or -1 where the decode drops it.
 *
 * @example
 * keptIndex(4)[1]; // 1: zig-zag 1 is row 0, column 1
 */
export function keptIndex(k: number): Int8Array {
  const map = new Int8Array(64).fill(-1);
  for (let z = 0; z < 64; z++) {
    const n = ZIGZAG_TO_NATURAL[z]!;
    const row = n >> 3;
    const col = n & 7;
    if (row < k && col < k) map[z] = row * k + col;
  }
  return map;
}
