/**
 * Reads what a study needs of one uploaded DICOM instance (its identifiers and geometry) without
 * decoding a pixel, through the decoder's own path: a file the header reader accepts is one the
 * decoder will open, and one it refuses is refused with the decoder's DecodeError. Runtime-neutral.
 */
import { DEFAULT_MAX_PIXELS, DecodeError } from '../decode/decoded-image.js';
import { Tag, describeTag, type Attributes } from '../decode/dicom/attributes.js';
import { openDicomImage } from '../decode/dicom/decode-dicom.js';
import type { InstanceHeader, Orientation, PixelSpacing, Vec3 } from './instance-header-schema.js';

export { InstanceHeader } from './instance-header-schema.js';

/**
 * Direction cosines are unit vectors at right angles (PS3.3 C.7.6.2.1.1). Writers round them to a
 * few decimals, so only a clear miss (all zeros, a swapped value) is refused.
 */
const COSINE_TOLERANCE = 1e-2;

/**
 * The instance's header. Throws the decoder's DecodeErrors for a file that is not an image it
 * opens: 415 not DICOM or compressed without a codec, 413 past `maxPixels`, 422 no pixel data,
 * a segmentation, or damaged. Malformed optional attributes (a position with two values, a
 * spacing of "abc") do not fail the instance: they are left out and named in `malformed`, and
 * series-geometry.ts says what their absence means for the slice.
 * @example const header = await readInstanceHeader(bytes, { maxPixels: DICOM_MAX_PIXELS });
 */
export async function readInstanceHeader(bytes: Uint8Array, opts: { maxPixels?: number } = {}): Promise<InstanceHeader> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1) throw new RangeError(`maxPixels must be a positive integer, got ${maxPixels}`);
  const { attributes, header, transferSyntaxUID } = await openDicomImage(bytes, { maxPixels });

  const malformed: string[] = [];
  const lenient = <T>(read: () => T | undefined): T | undefined => {
    try {
      return read();
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      malformed.push(err.message);
      return undefined;
    }
  };
  const text = (tag: number) => attributes.text(tag); // text() reads the first value and never refuses one

  const result: InstanceHeader = {
    studyInstanceUID: text(Tag.StudyInstanceUID),
    seriesInstanceUID: text(Tag.SeriesInstanceUID),
    sopInstanceUID: text(Tag.SOPInstanceUID),
    sopClassUID: text(Tag.SOPClassUID),
    modality: text(Tag.Modality),
    imageType: lenient(() => attributes.texts(Tag.ImageType)) ?? [],
    instanceNumber: lenient(() => attributes.integerString(Tag.InstanceNumber)),
    seriesNumber: lenient(() => attributes.integerString(Tag.SeriesNumber)),
    seriesDescription: text(Tag.SeriesDescription),
    frameOfReferenceUID: text(Tag.FrameOfReferenceUID),
    imagePositionPatient: lenient(() => attributes.decimals(Tag.ImagePositionPatient, 3) as Vec3 | undefined),
    imageOrientationPatient: lenient(() => readOrientation(attributes)),
    pixelSpacing: lenient(() => positive(Tag.PixelSpacing, attributes.decimals(Tag.PixelSpacing, 2)) as PixelSpacing | undefined),
    sliceThickness: lenient(() => positive(Tag.SliceThickness, attributes.decimalString(Tag.SliceThickness))),
    rows: header.rows,
    columns: header.columns,
    frames: header.frames,
    transferSyntaxUID,
  };
  if (malformed.length > 0) result.malformed = malformed;
  return withoutUndefined(result);
}

function readOrientation(attributes: Attributes): Orientation | undefined {
  const values = attributes.decimals(Tag.ImageOrientationPatient, 6);
  if (values === undefined) return undefined;
  const [rx, ry, rz, cx, cy, cz] = values as Orientation;
  const rowLength = Math.hypot(rx, ry, rz);
  const columnLength = Math.hypot(cx, cy, cz);
  const dot = rx * cx + ry * cy + rz * cz;
  const problem =
    Math.abs(rowLength - 1) > COSINE_TOLERANCE
      ? `has row direction cosines of length ${rowLength.toFixed(3)}, not 1`
      : Math.abs(columnLength - 1) > COSINE_TOLERANCE
        ? `has column direction cosines of length ${columnLength.toFixed(3)}, not 1`
        : Math.abs(dot) > COSINE_TOLERANCE
          ? `has row and column directions that are not perpendicular (dot product ${dot.toFixed(3)})`
          : undefined;
  if (problem) throw new DecodeError(422, 'image_corrupt', `${describeTag(Tag.ImageOrientationPatient)} ${problem}`);
  return values as Orientation;
}

/** A spacing or thickness of zero or less is no length at all. */
function positive<T extends number | number[]>(tag: number, value: T | undefined): T | undefined {
  if (value === undefined) return undefined;
  const values: number[] = typeof value === 'number' ? [value] : value;
  const bad = values.find((v) => !(v > 0));
  if (bad !== undefined) throw new DecodeError(422, 'image_corrupt', `${describeTag(tag)} is ${bad} where a length in mm must be positive`);
  return value;
}

/** Absent means absent: no `key: undefined` in what is stored and compared. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
