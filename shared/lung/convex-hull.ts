/**
 * The filled convex hull of a binary mask's set pixels (Andrew's monotone chain over each row's
 * outermost pixels, then a scanline fill). The lung mask uses the hull of the body's tissue to
 * tell the air around the patient (mostly outside it) from a lung that a tight crop has cut open
 * to the image border (inside it). Runtime-neutral.
 */
import { assertMaskShape, type BinaryMask } from '../image/binary-mask.js';

const cross = (ox: number, oy: number, ax: number, ay: number, bx: number, by: number): number => (ax - ox) * (by - oy) - (ay - oy) * (bx - ox);

/**
 * Pixels whose centre lies in the convex hull of the set pixels' centres (all 0 for an empty mask).
 *
 * @example
 * const hull = convexHullMask({ width: 3, height: 3, data: Uint8Array.of(1, 0, 1, 0, 0, 0, 0, 1, 0) });
 * hull.data; // [1, 1, 1, 0, 1, 0, 0, 1, 0]
 */
export function convexHullMask(mask: BinaryMask): BinaryMask {
  assertMaskShape(mask);
  const { width: w, height: h, data } = mask;
  const out = new Uint8Array(w * h);
  // Only each row's outermost pixels can be hull vertices: at most 2 per row.
  const px: number[] = [];
  const py: number[] = [];
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let lo = -1;
    let hi = -1;
    for (let x = 0; x < w; x++) {
      if (data[row + x]) {
        if (lo < 0) lo = x;
        hi = x;
      }
    }
    if (lo < 0) continue;
    px.push(lo);
    py.push(y);
    if (hi !== lo) {
      px.push(hi);
      py.push(y);
    }
  }
  if (px.length === 0) return { width: w, height: h, data: out };
  const order = px.map((_, i) => i).sort((a, b) => px[a]! - px[b]! || py[a]! - py[b]!);
  const hx: number[] = [];
  const hy: number[] = [];
  const add = (i: number, floor: number): void => {
    while (hx.length >= floor + 2 && cross(hx[hx.length - 2]!, hy[hy.length - 2]!, hx[hx.length - 1]!, hy[hy.length - 1]!, px[i]!, py[i]!) <= 0) {
      hx.pop();
      hy.pop();
    }
    hx.push(px[i]!);
    hy.push(py[i]!);
  };
  for (const i of order) add(i, 0);
  const lower = hx.length - 1;
  for (let k = order.length - 2; k >= 0; k--) add(order[k]!, lower);
  if (hx.length > 1) {
    hx.pop();
    hy.pop();
  }
  // Scanline fill: on each row, the span between the leftmost and rightmost crossing of an edge.
  const n = hx.length;
  let minY = h;
  let maxY = -1;
  for (let k = 0; k < n; k++) {
    if (hy[k]! < minY) minY = hy[k]!;
    if (hy[k]! > maxY) maxY = hy[k]!;
  }
  for (let y = minY; y <= maxY; y++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < n; k++) {
      const x0 = hx[k]!;
      const y0 = hy[k]!;
      const x1 = hx[(k + 1) % n]!;
      const y1 = hy[(k + 1) % n]!;
      if ((y < y0 && y < y1) || (y > y0 && y > y1)) continue;
      if (y0 === y1) {
        lo = Math.min(lo, x0, x1);
        hi = Math.max(hi, x0, x1);
      } else {
        const x = x0 + ((y - y0) * (x1 - x0)) / (y1 - y0);
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
    }
    if (n === 1) lo = hi = hx[0]!;
    const a = Math.max(0, Math.ceil(lo - 1e-9));
    const b = Math.min(w - 1, Math.floor(hi + 1e-9));
    out.fill(1, y * w + a, y * w + b + 1);
  }
  return { width: w, height: h, data: out };
}
