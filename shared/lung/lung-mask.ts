/**
 * The lung mask of one slice, whichever method made it (lung-mask-hounsfield.ts for CT in
 * Hounsfield units, lung-mask-gray8.ts for 8-bit windowed images), and what callers do with it:
 * the lungs as one region widened by a margin, and the infection counted inside. Labels: 0
 * outside the lungs, 1 and 2 the two lungs, 1 the one whose centroid has the smaller column index
 * (image sides only: which is the patient's left is lung-sides.ts's business). Runtime-neutral.
 */
import type { BinaryMask } from '../image/binary-mask.js';
import { dilate } from '../image/morphology.js';

/**
 * Why two lungs were not found:
 * - `no_body`: no tissue region to hold lungs (an all-dark or all-bright image, a gradient);
 * - `no_lung`: no low-density region inside the body large and thick enough to be a lung;
 * - `one_lung`: one such region, and it could not be split into two lung-sized parts;
 * - `implausible`: what was found cannot be two lungs (too large a share of the image, too
 *   lopsided a pair), or the image's intensities are not those of a lung-windowed CT.
 */
export type LungMaskFailure = 'no_body' | 'no_lung' | 'one_lung' | 'implausible';

export interface LungPart {
  label: 1 | 2;
  pixels: number;
  centroidColumn: number;
  centroidRow: number;
}

export interface LungMask {
  width: number;
  height: number;
  /** 0 outside the lungs, 1 and 2 the two lungs; all 0 whenever `found` is false. */
  labels: Uint8Array;
  /** True only when two lungs were found. */
  found: boolean;
  /** Why not, when `found` is false. */
  failure?: LungMaskFailure;
  /** The two lungs, label 1 first; empty when `found` is false. */
  lungs: LungPart[];
  method: 'hounsfield' | 'intensity';
}

/**
 * Both lungs as one binary mask, dilated by a disk of `dilateRadiusPx` pixels (0: as they are),
 * e.g. to cut an infection map to the lungs with a margin for lesions at the pleura.
 *
 * @example
 * const region = lungRegion(lungMaskFromGray8(slice), 2);
 */
export function lungRegion(mask: Pick<LungMask, 'width' | 'height' | 'labels'>, dilateRadiusPx = 0): BinaryMask {
  if (mask.labels.length !== mask.width * mask.height) throw new RangeError(`labels: ${mask.labels.length} pixels for ${mask.width}x${mask.height}`);
  const data = new Uint8Array(mask.labels.length);
  for (let i = 0; i < data.length; i++) data[i] = mask.labels[i] ? 1 : 0;
  const region = { width: mask.width, height: mask.height, data };
  return dilateRadiusPx > 0 ? dilate(region, dilateRadiusPx) : region;
}

/** Set pixels of a mask, counted per lung label. */
export interface InsideCount {
  /** Set pixels of the mask in all. */
  total: number;
  /** Of them, inside lung 1, inside lung 2, and inside either. */
  lung1: number;
  lung2: number;
  inside: number;
}

/**
 * Counts the set (nonzero: 1 or 255) pixels of `mask` inside each lung label.
 *
 * @example
 * const { inside, total } = countInside(infection.data, lung.labels); // inside / total of the infection in the lungs
 */
export function countInside(mask: Uint8Array, lungLabels: Uint8Array): InsideCount {
  if (mask.length !== lungLabels.length) throw new RangeError(`mask has ${mask.length} pixels, lungLabels ${lungLabels.length}`);
  let total = 0;
  let lung1 = 0;
  let lung2 = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    total++;
    const l = lungLabels[i];
    if (l === 1) lung1++;
    else if (l === 2) lung2++;
  }
  return { total, lung1, lung2, inside: lung1 + lung2 };
}

/**
 * A mask that says it found nothing, and why.
 *
 * @example
 * noLungs(512, 512, 'intensity', 'no_body').found; // false
 */
export function noLungs(width: number, height: number, method: LungMask['method'], failure: LungMaskFailure): LungMask {
  return { width, height, labels: new Uint8Array(width * height), found: false, failure, lungs: [], method };
}
