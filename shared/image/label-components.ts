/**
 * Connected-component labelling of a binary mask with what the lung mask asks of each component:
 * its area, centroid, bounding box and whether it touches the image border. Two raster passes
 * with union-find over provisional labels (path halving, the smaller root wins), so the cost is
 * linear in the pixels and there is no recursion to overflow the stack on a 12 MP mask.
 * Runtime-neutral.
 */
import { assertMaskShape, type BinaryMask } from './binary-mask.js';

export interface Component {
  /** The label in `labels`, from 1, in raster order of each component's first pixel. */
  label: number;
  /** Pixels in the component. */
  area: number;
  centroidColumn: number;
  centroidRow: number;
  /** Inclusive bounding box. */
  minColumn: number;
  maxColumn: number;
  minRow: number;
  maxRow: number;
  /** Whether a pixel lies in the first or last row or column. */
  touchesBorder: boolean;
}

export interface Labelling {
  width: number;
  height: number;
  /** 0 for background, else the component's label (1..components.length). */
  labels: Int32Array;
  /** `components[k]` has label k + 1. */
  components: Component[];
}

/**
 * Labels the 4- or 8-connected components of the set pixels.
 *
 * @example
 * const { labels, components } = labelComponents({ width: 3, height: 2, data: Uint8Array.of(1, 0, 0, 0, 1, 1) }, 8);
 * components.length; // 1: the diagonal step joins them
 * labelComponents({ width: 3, height: 2, data: Uint8Array.of(1, 0, 0, 0, 1, 1) }, 4).components.length; // 2
 */
export function labelComponents(mask: BinaryMask, connectivity: 4 | 8 = 8): Labelling {
  assertMaskShape(mask);
  if (connectivity !== 4 && connectivity !== 8) throw new RangeError(`connectivity must be 4 or 8, got ${connectivity}`);
  const { width: w, height: h, data } = mask;
  const labels = new Int32Array(w * h);
  // A new provisional label needs a set pixel whose earlier neighbours are all clear, so at most
  // every other pixel of a row and every other row start one (plus one for the unused 0).
  const parent = new Int32Array(Math.ceil(w / 2) * Math.ceil(h / 2) * 2 + 2);
  let next = 1;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      const p = parent[parent[x]!]!;
      parent[x] = p;
      x = p;
    }
    return x;
  };
  const union = (a: number, b: number): number => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return ra;
    if (ra < rb) {
      parent[rb] = ra;
      return ra;
    }
    parent[ra] = rb;
    return rb;
  };
  const eight = connectivity === 8;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const i = row + x;
      if (!data[i]) continue;
      let l = x > 0 ? labels[i - 1]! : 0;
      if (y > 0) {
        const up = labels[i - w]!;
        if (up) l = l ? union(l, up) : up;
        if (eight) {
          if (x > 0) {
            const ul = labels[i - w - 1]!;
            if (ul) l = l ? union(l, ul) : ul;
          }
          if (x < w - 1) {
            const ur = labels[i - w + 1]!;
            if (ur) l = l ? union(l, ur) : ur;
          }
        }
      }
      if (l === 0) {
        l = next++;
        parent[l] = l;
      }
      labels[i] = l;
    }
  }
  // Second pass: consecutive final labels in raster order, and the statistics in typed arrays.
  const final = new Int32Array(next);
  let count = 0;
  for (let l = 1; l < next; l++) {
    const r = find(l);
    if (r === l) final[l] = ++count;
  }
  for (let l = 1; l < next; l++) final[l] = final[find(l)]!;
  const area = new Float64Array(count + 1);
  const sumX = new Float64Array(count + 1);
  const sumY = new Float64Array(count + 1);
  const minX = new Int32Array(count + 1).fill(w);
  const maxX = new Int32Array(count + 1).fill(-1);
  const minY = new Int32Array(count + 1).fill(h);
  const maxY = new Int32Array(count + 1).fill(-1);
  const border = new Uint8Array(count + 1);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const edgeRow = y === 0 || y === h - 1;
    for (let x = 0; x < w; x++) {
      const p = labels[row + x]!;
      if (p === 0) continue;
      const l = final[p]!;
      labels[row + x] = l;
      area[l]!++;
      sumX[l]! += x;
      sumY[l]! += y;
      if (x < minX[l]!) minX[l] = x;
      if (x > maxX[l]!) maxX[l] = x;
      if (y < minY[l]!) minY[l] = y;
      if (y > maxY[l]!) maxY[l] = y;
      if (edgeRow || x === 0 || x === w - 1) border[l] = 1;
    }
  }
  // Roots are the smallest label of their set, and labels are handed out in raster order, so
  // the final labels follow the raster order of each component's first pixel.
  const components: Component[] = [];
  for (let l = 1; l <= count; l++) {
    components.push({
      label: l,
      area: area[l]!,
      centroidColumn: sumX[l]! / area[l]!,
      centroidRow: sumY[l]! / area[l]!,
      minColumn: minX[l]!,
      maxColumn: maxX[l]!,
      minRow: minY[l]!,
      maxRow: maxY[l]!,
      touchesBorder: border[l] === 1,
    });
  }
  return { width: w, height: h, labels, components };
}

/**
 * The pixels of the components for which `keep` is true, as a mask.
 *
 * @example
 * const big = selectComponents(labelling, (c) => c.area >= 100);
 */
export function selectComponents(labelling: Labelling, keep: (c: Component) => boolean): BinaryMask {
  const take = new Uint8Array(labelling.components.length + 1);
  for (const c of labelling.components) take[c.label] = keep(c) ? 1 : 0;
  const { labels } = labelling;
  const data = new Uint8Array(labels.length);
  for (let i = 0; i < data.length; i++) data[i] = take[labels[i]!]!;
  return { width: labelling.width, height: labelling.height, data };
}
