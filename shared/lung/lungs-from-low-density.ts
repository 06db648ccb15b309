/**
 * The steps both lung methods share once each has said which pixels are low density (air and
 * aerated lung):
 * 1. the body is the large 8-connected regions of tissue, taken with their convex hull; low-density
 *    regions mostly outside that hull are the air around the patient (and the table gap), and
 *    the body is the hull without them. The hull rather than "air touching the image border"
 *    because images cropped around the lungs cut the lungs open to the border;
 * 2. the lungs are the two largest low-density regions left (4-connected), each large and thick
 *    enough (not the trachea, bowel gas, noise or text strokes); one region holding both is split
 *    (split-touching-lungs.ts);
 * 3. per lung: holes (vessels, nodules) filled, a closing with a disk of about 10 mm puts dense
 *    lesions at its edge back in (a consolidation against the chest wall must not be cut out of
 *    its lung), holes filled again; then the bays of the lung's convex hull on its chest-wall
 *    side (away from the other lung), up to about 20 mm deep, for lesions wider than the disk;
 *    all clipped to the body.
 * Runtime-neutral.
 */
import { invertMask, type BinaryMask } from '../image/binary-mask.js';
import { squaredDistanceTransform, type PixelSpacing } from '../image/distance-transform.js';
import { fillHoles } from '../image/fill-holes.js';
import { labelComponents, type Component } from '../image/label-components.js';
import { cropMask, maskBounds, uncropMask, type CropBox } from '../image/mask-crop.js';
import { erode } from '../image/morphology.js';
import { convexHullMask } from './convex-hull.js';
import { noLungs, type LungMask, type LungPart } from './lung-mask.js';
import { splitTouchingLungs } from './split-touching-lungs.js';

/** Sizes in the units of `spacing` (mm with a CT's pixel spacing, pixels with [1, 1]). */
export interface LungSizes {
  spacing: PixelSpacing;
  /** The body's tissue must have at least this area, else `no_body`. */
  minBodyArea: number;
  /** Tissue regions smaller than this are not part of the body (text, the table's rails, noise). */
  minBodyPartArea: number;
  /** Low-density regions smaller than this are not lungs (trachea, bowel gas, noise). */
  minLungArea: number;
  /** A lung's largest inscribed disk has at least this radius (text strokes, thin gaps do not). */
  minLungThickness: number;
  /** The closing's radius. */
  closeRadius: number;
  /** How far from a lung its convex hull's lateral bays are put back (addLateralBays). */
  maxBayDepth: number;
  /** Largest erosion tried to split touching lungs. */
  maxSplitRadius: number;
}

/** The smaller lung has at least this share of the larger one's pixels (a lung beside the trachea is not a pair). */
export const MIN_PAIR_RATIO = 0.1;
/** Two lungs cover at most this share of the image: more is a dark picture, not a chest. */
export const MAX_LUNG_SHARE = 0.85;
/** A low-density region with less than this share inside the body's hull is outside air. */
export const OUTSIDE_AIR_MAX_HULL_SHARE = 0.5;

/**
 * The two lungs from a low-density mask.
 *
 * @example
 * const lung = lungsFromLowDensity(low, 'hounsfield', sizes);
 */
export function lungsFromLowDensity(low: BinaryMask, method: LungMask['method'], sizes: LungSizes): LungMask {
  const { width: w, height: h } = low;
  const n = w * h;
  const pixelArea = sizes.spacing[0] * sizes.spacing[1];

  // 1. The body: the tissue regions large enough to be part of it (a tight crop cuts the chest
  // wall into several), their convex hull, less the air outside the patient.
  const dense = labelComponents(invertMask(low), 8);
  const keep = new Uint8Array(dense.components.length + 1);
  let tissue = 0;
  for (const c of dense.components) {
    if (c.area * pixelArea >= sizes.minBodyPartArea) {
      keep[c.label] = 1;
      tissue += c.area;
    }
  }
  if (tissue * pixelArea < sizes.minBodyArea) return noLungs(w, h, method, 'no_body');
  const bodyTissue = new Uint8Array(n);
  for (let i = 0; i < n; i++) bodyTissue[i] = keep[dense.labels[i]!]!;
  const hull = convexHullMask({ width: w, height: h, data: bodyTissue }).data;

  const lows = labelComponents(low, 4);
  const inHull = new Float64Array(lows.components.length + 1);
  for (let i = 0; i < n; i++) if (hull[i]) inHull[lows.labels[i]!]!++;
  const outsideAir = new Uint8Array(lows.components.length + 1);
  for (const c of lows.components) outsideAir[c.label] = inHull[c.label]! < OUTSIDE_AIR_MAX_HULL_SHARE * c.area ? 1 : 0;
  const body = new Uint8Array(n);
  for (let i = 0; i < n; i++) body[i] = hull[i] && !outsideAir[lows.labels[i]!] ? 1 : 0;

  // 2. The lungs: the large, thick low-density regions in the body.
  const minDepth2 = sizes.minLungThickness ** 2;
  const candidates: Component[] = [];
  // Largest first, and the thickness (a distance map each) only until two lungs are in hand.
  for (const c of lows.components.filter((c) => !outsideAir[c.label] && c.area * pixelArea >= sizes.minLungArea).sort((a, b) => b.area - a.area)) {
    if (deepestSquared(lows.labels, w, c, sizes.spacing) >= minDepth2) candidates.push(c);
    if (candidates.length === 2) break;
  }
  if (candidates.length === 0) return noLungs(w, h, method, 'no_lung');
  const componentMask = (c: Component): BinaryMask => {
    const data = new Uint8Array(n);
    for (let i = 0; i < n; i++) data[i] = lows.labels[i] === c.label ? 1 : 0;
    return { width: w, height: h, data };
  };
  let parts: BinaryMask[];
  const [first, second] = candidates;
  if (second && second.area >= MIN_PAIR_RATIO * first!.area) {
    parts = [componentMask(first!), componentMask(second)];
  } else {
    const split = splitTouchingLungs(componentMask(first!), { spacing: sizes.spacing, maxRadius: sizes.maxSplitRadius, minRatio: MIN_PAIR_RATIO });
    if (!split) return noLungs(w, h, method, 'one_lung');
    parts = split;
  }

  // 3. Each lung on its own (so the closing cannot bridge the mediastinum): fill, close, fill,
  // clip, then the lateral bays. Within the lung's box widened by the closing's and the bays'
  // reach, so the cost follows the lung's size; one distance map serves the closing's dilation
  // and the bays' depth.
  const reach = Math.max(sizes.closeRadius, sizes.maxBayDepth);
  const margin = [Math.ceil(reach / sizes.spacing[0]) + 2, Math.ceil(reach / sizes.spacing[1]) + 2] as const;
  const closeR2 = sizes.closeRadius * sizes.closeRadius * (1 + 1e-9) + 1e-9; // as morphology.ts's dilate
  const local = parts.map((p) => {
    const box = maskBounds(p, margin);
    const filled = fillHoles(cropMask(p, box));
    const near = squaredDistanceTransform(filled, sizes.spacing).data;
    const dilated = new Uint8Array(near.length);
    for (let j = 0; j < near.length; j++) dilated[j] = near[j]! <= closeR2 ? 1 : 0;
    const closed = fillHoles(erode({ width: box.width, height: box.height, data: dilated }, sizes.closeRadius, { spacing: sizes.spacing, outside: 'foreground' }));
    return { box, near, closed };
  });
  const grown = local.map(({ box, closed }) => {
    const m = uncropMask(closed.data, box, w, h);
    for (let i = 0; i < n; i++) if (!body[i]) m[i] = 0;
    return m;
  });
  addLateralBays(grown, local, body, w, sizes);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    // A pixel both closings reach goes to the lung it belonged to, else to neither: such pixels
    // lie in the gap between the lungs (pleura, mediastinum).
    const a = grown[0]![i]!;
    const b = grown[1]![i]!;
    if (a && b) labels[i] = parts[0]!.data[i] ? 1 : parts[1]!.data[i] ? 2 : 0;
    else labels[i] = a ? 1 : b ? 2 : 0;
  }
  const stats = [
    { pixels: 0, x: 0, y: 0 },
    { pixels: 0, x: 0, y: 0 },
  ];
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      const l = labels[i]!;
      if (!l) continue;
      const s = stats[l - 1]!;
      s.pixels++;
      s.x += x;
      s.y += y;
    }
  }
  const [s1, s2] = stats as [(typeof stats)[number], (typeof stats)[number]];
  if (s1.pixels === 0 || s2.pixels === 0) return noLungs(w, h, method, 'one_lung');
  if (s1.pixels + s2.pixels > MAX_LUNG_SHARE * n || Math.min(s1.pixels, s2.pixels) < MIN_PAIR_RATIO * Math.max(s1.pixels, s2.pixels)) {
    return noLungs(w, h, method, 'implausible');
  }
  // Label 1 is the lung whose centroid has the smaller column index.
  const swap = s1.x / s1.pixels > s2.x / s2.pixels;
  if (swap) for (let i = 0; i < n; i++) if (labels[i]) labels[i] = 3 - labels[i]!;
  const part = (s: (typeof stats)[number], label: 1 | 2): LungPart => ({ label, pixels: s.pixels, centroidColumn: s.x / s.pixels, centroidRow: s.y / s.pixels });
  const lungs = swap ? [part(s2, 1), part(s1, 2)] : [part(s1, 1), part(s2, 2)];
  return { width: w, height: h, labels, found: true, lungs, method };
}

/**
 * Puts back the bays of each lung's convex hull that lie on its far side from the other lung
 * (against the chest wall: a subpleural consolidation wider than the closing's disk), up to
 * `maxBayDepth` from the lung. The bays on the near side are left out: they hold the heart and
 * the mediastinum, which a lung's hull wraps around.
 */
function addLateralBays(lungs: Uint8Array[], local: { box: CropBox; near: Float32Array }[], body: Uint8Array, w: number, sizes: LungSizes): void {
  const centroids = lungs.map((m) => {
    let n = 0;
    let sx = 0;
    let sy = 0;
    for (let i = 0; i < m.length; i++) if (m[i]) (n++, (sx += i % w), (sy += Math.floor(i / w)));
    return [sx / n, sy / n] as const;
  });
  const maxDepth2 = sizes.maxBayDepth ** 2;
  lungs.forEach((m, k) => {
    const [cx, cy] = centroids[k]!;
    const [ox, oy] = centroids[1 - k]!;
    const ux = ox - cx;
    const uy = oy - cy;
    // The box reaches the bay depth past the lung: nothing further is put back. `near` is the
    // distance to the lung before its closing, so a bay's depth is counted from the aerated lung.
    const { box, near } = local[k]!;
    const hull = convexHullMask(cropMask({ width: w, height: lungs[k]!.length / w, data: m }, box)).data;
    const other = lungs[1 - k]!;
    for (let by = 0, j = 0; by < box.height; by++) {
      const y = box.y0 + by;
      for (let bx = 0; bx < box.width; bx++, j++) {
        const x = box.x0 + bx;
        const i = y * w + x;
        if (!hull[j] || m[i] || other[i] || !body[i] || near[j]! > maxDepth2) continue;
        // Lateral of the lung's centroid, seen from the other lung.
        if ((x - cx) * ux + (y - cy) * uy < 0) m[i] = 1;
      }
    }
  });
}

/** The squared radius of the largest disk inside component `c` (its deepest pixel's distance to the outside). */
function deepestSquared(labels: Int32Array, w: number, c: Component, spacing: PixelSpacing): number {
  // One pixel of margin, so the box's edge is outside the component.
  const x0 = c.minColumn - 1;
  const y0 = c.minRow - 1;
  const bw = c.maxColumn - c.minColumn + 3;
  const bh = c.maxRow - c.minRow + 3;
  const h = labels.length / w;
  const outside = new Uint8Array(bw * bh);
  for (let by = 0, j = 0; by < bh; by++) {
    const y = y0 + by;
    for (let bx = 0; bx < bw; bx++, j++) {
      const x = x0 + bx;
      outside[j] = x < 0 || y < 0 || x >= w || y >= h || labels[y * w + x] !== c.label ? 1 : 0;
    }
  }
  const d = squaredDistanceTransform({ width: bw, height: bh, data: outside }, spacing).data;
  let deepest = 0;
  for (let j = 0; j < d.length; j++) if (d[j]! > deepest) deepest = d[j]!;
  return deepest;
}

