/**
 * The lung mask of one decoded upload, by the method its pixels allow: CT in Hounsfield units
 * gets the density method (shared/lung/lung-mask-hounsfield.ts), everything else (JPEG, PNG,
 * phone photos, non-CT DICOM) the intensity method on the 8-bit slice the model also sees. Which
 * lung is the patient's left comes from Image Orientation Patient only; without it the sides are
 * unknown rather than guessed from the picture. Runtime-neutral.
 */
import type { GrayImage } from '../../../shared/image/gray-image.js';
import type { LungMask } from '../../../shared/lung/lung-mask.js';
import { lungMaskFromGray8 } from '../../../shared/lung/lung-mask-gray8.js';
import { lungMaskFromHounsfield } from '../../../shared/lung/lung-mask-hounsfield.js';
import { lungSides } from '../../../shared/lung/lung-sides.js';
import type { DecodedUpload } from '../upload/decode-upload.js';

export interface SliceLung {
  mask: LungMask;
  /** Which label (1 or 2) is the patient's left and right lung; absent when not known. */
  sides?: { left: 1 | 2; right: 1 | 2 };
  /** [row, column] spacing in mm, from the DICOM header; absent for images without one. */
  pixelSpacingMm?: [number, number];
}

/**
 * @example const lung = sliceLungMask(decoded, toGray8(decoded, window));
 */
export function sliceLungMask(decoded: DecodedUpload, gray: GrayImage): SliceLung {
  const geometry = decoded.geometry;
  const spacing = geometry?.pixelSpacingMm;
  const mask =
    decoded.kind === 'hounsfield' && geometry?.modality === 'CT'
      ? lungMaskFromHounsfield(decoded, spacing ? { pixelSpacingMm: spacing } : {})
      : lungMaskFromGray8(gray);
  const sides = mask.found ? lungSides(mask, geometry?.imageOrientationPatient) : undefined;
  return { mask, ...(sides ? { sides } : {}), ...(spacing ? { pixelSpacingMm: spacing } : {}) };
}
