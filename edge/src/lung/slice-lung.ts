/**
 * The lung mask of one decoded upload, by the method its pixels allow: CT in Hounsfield units
 * gets the density method (shared/lung/lung-mask-hounsfield.ts), everything else (JPEG, PNG,
 * phone photos, non-CT DICOM) the intensity method on the 8-bit slice the model also sees. Which
 * lung is the patient's left comes from Image Orientation Patient only; without it the sides are
 * unknown rather than guessed from the picture. Slices larger than LUNG_MASK_MAX_SIDE are shrunk
 * by a whole factor first (box mean) and the labels answered at the upload's size by nearest
 * neighbour: the mask's steps are millimetres wide, and it costs a quarter at half the side.
 * Runtime-neutral.
 */
import { boxDownsample } from '../../../shared/image/box-downsample.js';
import type { GrayImage } from '../../../shared/image/gray-image.js';
import type { LungMask } from '../../../shared/lung/lung-mask.js';
import { lungMaskFromGray8 } from '../../../shared/lung/lung-mask-gray8.js';
import { lungMaskFromHounsfield } from '../../../shared/lung/lung-mask-hounsfield.js';
import { lungSides } from '../../../shared/lung/lung-sides.js';
import type { DecodedUpload } from '../upload/decode-upload.js';

/** The longest side the lung mask is made at (npm run bench:lung, npm run measure:lung -- --max-side). */
export const LUNG_MASK_MAX_SIDE = 256;

export interface SliceLung {
  /** At the size it was made: the decoded image's, or that shrunk by a whole factor. */
  mask: LungMask;
  /** Which label (1 or 2) is the patient's left and right lung; absent when not known. */
  sides?: { left: 1 | 2; right: 1 | 2 };
  /** [row, column] spacing in mm of the decoded pixels, from the DICOM header; absent without one. */
  pixelSpacingMm?: [number, number];
}

/**
 * @example const lung = sliceLungMask(decoded, toGray8(decoded, window));
 */
export function sliceLungMask(decoded: DecodedUpload, gray: GrayImage, maxSide = LUNG_MASK_MAX_SIDE): SliceLung {
  const geometry = decoded.geometry;
  const spacing = geometry?.pixelSpacingMm;
  const factor = Math.max(1, Math.ceil(Math.max(gray.width, gray.height) / maxSide));
  const shrunkSpacing: [number, number] | undefined = spacing ? [spacing[0] * factor, spacing[1] * factor] : undefined;
  let mask: LungMask;
  if (decoded.kind === 'hounsfield' && geometry?.modality === 'CT') {
    const hu = factor === 1 ? decoded : boxDownsample(decoded.data, decoded.width, decoded.height, factor);
    mask = lungMaskFromHounsfield(hu, shrunkSpacing ? { pixelSpacingMm: shrunkSpacing } : {});
  } else {
    const small = factor === 1 ? gray : shrinkGray(gray, factor);
    mask = lungMaskFromGray8(small);
  }
  const sides = mask.found ? lungSides(mask, geometry?.imageOrientationPatient) : undefined;
  return { mask, ...(sides ? { sides } : {}), ...(spacing ? { pixelSpacingMm: spacing } : {}) };
}

function shrinkGray(gray: GrayImage, factor: number): GrayImage {
  const r = boxDownsample(gray.data, gray.width, gray.height, factor);
  return { width: r.width, height: r.height, data: Uint8Array.from(r.data, (v) => Math.round(v)) };
}
