/**
 * The lung mask of an 8-bit image already windowed (JPEG, PNG, a photo of a screen), where
 * Hounsfield units are gone: low density is below an Otsu threshold of the image (dark lung and
 * air against bright tissue), clamped to the range a lung window puts it in, then the steps both
 * methods share (lungs-from-low-density.ts) with sizes relative to the image, since its pixel
 * spacing is unknown. It says when it found no two lungs (found: false) rather than guess.
 * Runtime-neutral.
 */
import { assertImageShape, type GrayImage } from '../image/gray-image.js';
import { otsuThreshold } from '../image/otsu-threshold.js';
import { noLungs, type LungMask } from './lung-mask.js';
import { lungsFromLowDensity, type LungSizes } from './lungs-from-low-density.js';

/**
 * Otsu's threshold is clamped to this range. In the default lung window (DEFAULT_LUNG_WINDOW,
 * centre −405, width 1375, gray = (HU + 1092.5) · 255 / 1375, the window the covid-semiseg slices
 * look made with) the Hounsfield method's −225 HU is gray 161; on those slices Otsu lands at
 * 110..177, pulled down when the lungs are mostly clear, so the lower bound (153, −267 HU) keeps
 * ground glass on the lung side as the Hounsfield cut does (train: 80 % of infection inside at
 * 150 against 76 % with plain Otsu). Above 190 (−68 HU) fat and consolidation would start to count
 * as air and the lungs merge with the mediastinum.
 */
export const THRESHOLD_RANGE: readonly [number, number] = [153, 190];
/**
 * An image whose Otsu threshold falls this far outside the range is not a lung-windowed CT
 * (e.g. a mostly black screen photo): `implausible` rather than a mask from a clamped guess.
 */
export const THRESHOLD_TOLERANCE = 70;
/** The body's tissue covers at least this share of the image (a CT slice is mostly body). */
export const MIN_BODY_SHARE = 0.1;
/** Tissue regions below this share of the image are not part of the body's outline (text, noise). */
export const MIN_BODY_PART_SHARE = 0.005;
/** A lung covers at least this share of the image (the covid-semiseg crops: 2–35 % each). */
export const MIN_LUNG_SHARE = 0.01;
/** A lung holds a disk of this radius, as a share of the image's mean side (5 mm of a 350 mm field). */
export const MIN_LUNG_THICKNESS_SHARE = 0.015;
/** Closing radius as a share of the mean side: 10 mm of a 300..350 mm field is about 3 %. */
export const CLOSE_RADIUS_SHARE = 0.03;
/** How far lateral hull bays are put back, as a share of the mean side (20 mm of 350 mm). */
export const MAX_BAY_DEPTH_SHARE = 0.057;
/** Largest split erosion, as a share of the mean side (8 mm of 350 mm). */
export const MAX_SPLIT_RADIUS_SHARE = 0.023;

/**
 * @example
 * const lung = lungMaskFromGray8(slice);
 * if (!lung.found) console.log(lung.failure); // e.g. 'no_lung' for a photo of text
 */
export function lungMaskFromGray8(image: GrayImage): LungMask {
  assertImageShape(image);
  const { width: w, height: h, data } = image;
  const otsu = otsuThreshold(data);
  const [lo, hi] = THRESHOLD_RANGE;
  if (otsu < lo - THRESHOLD_TOLERANCE || otsu > hi + THRESHOLD_TOLERANCE) return noLungs(w, h, 'intensity', 'implausible');
  const t = Math.min(hi, Math.max(lo, otsu));
  const low = new Uint8Array(data.length);
  for (let i = 0; i < low.length; i++) low[i] = data[i]! < t ? 1 : 0;
  const side = Math.sqrt(w * h);
  const sizes: LungSizes = {
    spacing: [1, 1],
    minBodyArea: MIN_BODY_SHARE * w * h,
    minBodyPartArea: MIN_BODY_PART_SHARE * w * h,
    minLungArea: MIN_LUNG_SHARE * w * h,
    minLungThickness: MIN_LUNG_THICKNESS_SHARE * side,
    closeRadius: CLOSE_RADIUS_SHARE * side,
    maxSplitRadius: MAX_SPLIT_RADIUS_SHARE * side,
    maxBayDepth: MAX_BAY_DEPTH_SHARE * side,
  };
  return lungsFromLowDensity({ width: w, height: h, data: low }, 'intensity', sizes);
}
