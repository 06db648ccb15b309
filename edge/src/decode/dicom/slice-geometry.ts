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

/**
 * Direction cosines are unit vectors at right angles (PS3.3 C.7.6.2.1.1). Writers round them to a
 * few decimals, so only a clear miss (all zeros, a swapped value) is refused.
 */
const COSINE_TOLERANCE = 1e-2;

/**
 * What is wrong with six Image Orientation Patient values (unit row and column vectors at a right
 * angle, within COSINE_TOLERANCE), in words after the attribute's name; undefined when nothing is.
 * @example orientationProblem([1, 0, 0, 0, 2, 0]) // 'has column direction cosines of length 2.000, not 1'
 */
export function orientationProblem(values: readonly number[]): string | undefined {
  const [rx, ry, rz, cx, cy, cz] = values as [number, number, number, number, number, number];
  const rowLength = Math.hypot(rx, ry, rz);
  const columnLength = Math.hypot(cx, cy, cz);
  const dot = rx * cx + ry * cy + rz * cz;
  if (Math.abs(rowLength - 1) > COSINE_TOLERANCE) return `has row direction cosines of length ${rowLength.toFixed(3)}, not 1`;
  if (Math.abs(columnLength - 1) > COSINE_TOLERANCE) return `has column direction cosines of length ${columnLength.toFixed(3)}, not 1`;
  if (Math.abs(dot) > COSINE_TOLERANCE) return `has row and column directions that are not perpendicular (dot product ${dot.toFixed(3)})`;
  return undefined;
}

/** @example const geometry = readSliceGeometry(attributes); // { modality: 'CT', pixelSpacingMm: [0.7, 0.7], ... } */
export function readSliceGeometry(attributes: Attributes): SliceGeometry {
  const out: SliceGeometry = {};
  const modality = lenient(() => attributes.text(Tag.Modality));
  if (modality) out.modality = modality.toUpperCase();
  const spacing = lenient(() => attributes.decimals(Tag.PixelSpacing, 2));
  if (spacing && spacing.every((v) => v > 0 && Number.isFinite(v))) out.pixelSpacingMm = [spacing[0]!, spacing[1]!];
  const iop = lenient(() => attributes.decimals(Tag.ImageOrientationPatient, 6));
  if (iop && orientationProblem(iop) === undefined) out.imageOrientationPatient = iop as SliceGeometry['imageOrientationPatient'] & number[];
  return out;
}

function lenient<T>(read: () => T | undefined): T | undefined {
  try {
    return read();
  } catch (err) {
    if (err instanceof DecodeError) return undefined;
    throw err;
  }
}
