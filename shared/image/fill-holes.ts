/**
 * Hole filling: background not connected to the image border becomes foreground, as
 * scipy.ndimage.binary_fill_holes does with its default structure (background connected 4-way,
 * so a diagonal gap in an 8-connected ring still closes it). Vessels inside a lung are holes in
 * its low-density mask; filling them gives the lung's extent. A flood from the border over the
 * background with an explicit stack: linear time, no recursion. Runtime-neutral.
 */
import { assertMaskShape, type BinaryMask } from './binary-mask.js';

/**
 * The mask with its holes filled.
 *
 * @example
 * const ring = { width: 3, height: 3, data: Uint8Array.of(1, 1, 1, 1, 0, 1, 1, 1, 1) };
 * fillHoles(ring).data; // all 1
 */
export function fillHoles(mask: BinaryMask): BinaryMask {
  assertMaskShape(mask);
  const { width: w, height: h, data } = mask;
  const n = w * h;
  // 1 = background reached from the border.
  const outside = new Uint8Array(n);
  const stack = new Int32Array(n);
  let top = 0;
  const seed = (i: number): void => {
    if (!data[i] && !outside[i]) {
      outside[i] = 1;
      stack[top++] = i;
    }
  };
  for (let x = 0; x < w; x++) {
    seed(x);
    seed((h - 1) * w + x);
  }
  for (let y = 0; y < h; y++) {
    seed(y * w);
    seed(y * w + w - 1);
  }
  while (top > 0) {
    const i = stack[--top]!;
    const x = i % w;
    if (x > 0 && !data[i - 1] && !outside[i - 1]) (outside[i - 1] = 1), (stack[top++] = i - 1);
    if (x < w - 1 && !data[i + 1] && !outside[i + 1]) (outside[i + 1] = 1), (stack[top++] = i + 1);
    if (i >= w && !data[i - w] && !outside[i - w]) (outside[i - w] = 1), (stack[top++] = i - w);
    if (i < n - w && !data[i + w] && !outside[i + w]) (outside[i + w] = 1), (stack[top++] = i + w);
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = outside[i] ? 0 : 1;
  return { width: w, height: h, data: out };
}
