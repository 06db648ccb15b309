/**
 * What the lung mask needs to know about a DICOM slice beyond its pixels: whether the values are
 * CT Hounsfield units (Modality), the pixel size in mm (for areas and the mask's structuring
 * sizes), and the Image Orientation Patient (which lung is the patient's left). Read leniently: a
 * malformed value leaves its field out, since the slice can still be segmented without it.
 */
import { DecodeError } from '../decoded-image.js';
import { Tag, type Attributes } from './attributes.js';

export interface SliceGeometry {
  /** Modality (0008,0060), e.g. CT; only CT values are Hounsfield units. */
  modality?: string;
  /** Pixel Spacing (0028,0030): [row spacing, column spacing] in mm, both positive. */
  pixelSpacingMm?: [number, number];
  /** Image Orientation Patient (0020,0037): row then column direction cosines, LPS. */
  imageOrientationPatient?: [number, number, number, number, number, number];
}

/** Direction cosines must be unit vectors and perpendicular within this. */
const COSINE_TOLERANCE = 1e-2;

/** @example const geometry = readSliceGeometry(attributes); // { modality: 'CT', pixelSpacingMm: [0.7, 0.7], ... } */
export function readSliceGeometry(attributes: Attributes): SliceGeometry {
  const out: SliceGeometry = {};
  const modality = lenient(() => attributes.text(Tag.Modality));
  if (modality) out.modality = modality.toUpperCase();
  const spacing = lenient(() => attributes.decimals(Tag.PixelSpacing, 2));
  if (spacing && spacing.every((v) => v > 0 && Number.isFinite(v))) out.pixelSpacingMm = [spacing[0]!, spacing[1]!];
  const iop = lenient(() => attributes.decimals(Tag.ImageOrientationPatient, 6));
  if (iop && isOrientation(iop)) out.imageOrientationPatient = iop as SliceGeometry['imageOrientationPatient'] & number[];
  return out;
}

function isOrientation(v: number[]): boolean {
  const [rx, ry, rz, cx, cy, cz] = v as [number, number, number, number, number, number];
  return (
    Math.abs(Math.hypot(rx, ry, rz) - 1) <= COSINE_TOLERANCE &&
    Math.abs(Math.hypot(cx, cy, cz) - 1) <= COSINE_TOLERANCE &&
    Math.abs(rx * cx + ry * cy + rz * cz) <= COSINE_TOLERANCE
  );
}

function lenient<T>(read: () => T | undefined): T | undefined {
  try {
    return read();
  } catch (err) {
    if (err instanceof DecodeError) return undefined;
    throw err;
  }
}
