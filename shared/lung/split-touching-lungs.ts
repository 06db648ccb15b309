/**
 * Two lungs that touch (at the anterior junction, or joined by low-density mediastinal fat or a
 * JPEG's blur) form one low-density component. Eroding it, by a growing radius, until it falls
 * apart into two large cores finds the lungs; every pixel of the component then goes to the
 * nearer core, so nothing of the original component is lost. All of it within the component's
 * bounding box. The erosion is a threshold on one
 * distance transform, so trying many radii costs one labelling each. Runtime-neutral.
 */
import { invertMask, type BinaryMask } from '../image/binary-mask.js';
import { squaredDistanceTransform, type PixelSpacing } from '../image/distance-transform.js';
import { labelComponents } from '../image/label-components.js';

export interface SplitOptions {
  /** [row, column] spacing; radii are in its units. */
  spacing: PixelSpacing;
  /** The largest erosion radius tried: a bridge thicker than twice this is not a junction of two lungs. */
  maxRadius: number;
  /** The smaller core must have at least this share of the larger one's pixels. */
  minRatio: number;
}

/** Each radius tried is this factor above the previous one, from one pixel up. */
const RADIUS_GROWTH = 1.4;

/**
 * The component split into two parts (masks), or undefined when no erosion up to `maxRadius`
 * leaves two cores of comparable size.
 *
 * @example
 * const parts = splitTouchingLungs(joined, { spacing: [0.7, 0.7], maxRadius: 8, minRatio: 0.12 });
 */
export function splitTouchingLungs(component: BinaryMask, opts: SplitOptions): [BinaryMask, BinaryMask] | undefined {
  const box = bounds(component);
  const local = cropTo(component, box);
  const { width: w, height: h, data } = local;
  const depth = squaredDistanceTransform(invertMask(local), opts.spacing).data;
  let deepest = 0;
  for (let i = 0; i < depth.length; i++) if (data[i] && depth[i]! > deepest) deepest = depth[i]!;
  const limit = Math.min(opts.maxRadius, 0.7 * Math.sqrt(deepest));
  const core = new Uint8Array(w * h);
  for (let r = Math.min(opts.spacing[0], opts.spacing[1]); r <= limit; r *= RADIUS_GROWTH) {
    const r2 = r * r;
    for (let i = 0; i < core.length; i++) core[i] = data[i] && depth[i]! > r2 ? 1 : 0;
    const { labels, components } = labelComponents({ width: w, height: h, data: core }, 8);
    if (components.length < 2) continue;
    const [a, b] = [...components].sort((x, y) => y.area - x.area) as [(typeof components)[number], (typeof components)[number]];
    if (b.area < opts.minRatio * a.area) continue;
    const coreA = new Uint8Array(w * h);
    const coreB = new Uint8Array(w * h);
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] === a.label) coreA[i] = 1;
      else if (labels[i] === b.label) coreB[i] = 1;
    }
    const dA = squaredDistanceTransform({ width: w, height: h, data: coreA }, opts.spacing).data;
    const dB = squaredDistanceTransform({ width: w, height: h, data: coreB }, opts.spacing).data;
    const partA = new Uint8Array(w * h);
    const partB = new Uint8Array(w * h);
    for (let i = 0; i < data.length; i++) {
      if (!data[i]) continue;
      if (dA[i]! <= dB[i]!) partA[i] = 1;
      else partB[i] = 1;
    }
    return [uncrop(partA, box, component), uncrop(partB, box, component)];
  }
  return undefined;
}

interface Box {
  x0: number;
  y0: number;
  width: number;
  height: number;
}

/** The set pixels' bounding box with one pixel of margin (so the crop's edge is background), clipped. */
function bounds(mask: BinaryMask): Box {
  const { width: w, height: h, data } = mask;
  let x0 = w;
  let x1 = -1;
  let y0 = h;
  let y1 = -1;
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      if (!data[i]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y0 > y) y0 = y;
      y1 = y;
    }
  }
  if (x1 < 0) return { x0: 0, y0: 0, width: w, height: h };
  x0 = Math.max(0, x0 - 1);
  y0 = Math.max(0, y0 - 1);
  return { x0, y0, width: Math.min(w - 1, x1 + 1) - x0 + 1, height: Math.min(h - 1, y1 + 1) - y0 + 1 };
}

function cropTo(mask: BinaryMask, box: Box): BinaryMask {
  const data = new Uint8Array(box.width * box.height);
  for (let y = 0; y < box.height; y++) {
    const from = (box.y0 + y) * mask.width + box.x0;
    data.set(mask.data.subarray(from, from + box.width), y * box.width);
  }
  return { width: box.width, height: box.height, data };
}

function uncrop(part: Uint8Array, box: Box, like: BinaryMask): BinaryMask {
  const data = new Uint8Array(like.width * like.height);
  for (let y = 0; y < box.height; y++) data.set(part.subarray(y * box.width, (y + 1) * box.width), (box.y0 + y) * like.width + box.x0);
  return { width: like.width, height: like.height, data };
}
