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
import { cropMask, maskBounds, uncropMask } from '../image/mask-crop.js';

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
  // One pixel of margin, so the crop's edge is background.
  const box = maskBounds(component, [1, 1]);
  const local = cropMask(component, box);
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
    const back = (part: Uint8Array): BinaryMask => ({ width: component.width, height: component.height, data: uncropMask(part, box, component.width, component.height) });
    return [back(partA), back(partB)];
  }
  return undefined;
}

