/**
 * Reads what a study needs of one uploaded DICOM instance (its identifiers and geometry) without
 * decoding a pixel, through the decoder's own path: a file the header reader accepts is one the
 * decoder will open, and one it refuses is refused with the decoder's DecodeError. Runtime-neutral.
 */
import { DEFAULT_MAX_PIXELS, DecodeError } from '../decode/decoded-image.js';
import { Attributes, Tag, describeTag } from '../decode/dicom/attributes.js';
import { ByteReader } from '../decode/dicom/byte-reader.js';
import { openDicomImage, type OpenImage } from '../decode/dicom/decode-dicom.js';
import { ITEM, ITEM_DELIMITATION, SEQUENCE_DELIMITATION, UNDEFINED_LENGTH, formatTag, readElementHeader, type ElementHeader } from '../decode/dicom/element-header.js';
import { readFileMeta } from '../decode/dicom/file-meta.js';
import { openDataset } from '../decode/dicom/open-dataset.js';
import { parseDataset } from '../decode/dicom/parse-dataset.js';
import { readPatientStudy } from './patient-study.js';
import { orientationProblem } from '../decode/dicom/slice-geometry.js';
import type { DatasetEncoding } from '../decode/dicom/transfer-syntax.js';
import type { FrameGeometry, FunctionalGroups, InstanceHeader, Orientation, PixelSpacing, Vec3 } from './instance-header-schema.js';

export { InstanceHeader } from './instance-header-schema.js';

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
  const opened = await openDicomImage(bytes, { maxPixels });
  const { attributes, header, transferSyntaxUID } = opened;

  const malformed: string[] = [];
  const lenient = <T>(read: () => T | undefined, where = ''): T | undefined => {
    try {
      return read();
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      malformed.push(where + err.message);
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
    functionalGroups: header.frames > 1 ? readFunctionalGroups(bytes, maxPixels, opened, lenient) : undefined,
    patientStudy: readPatientStudy(attributes, (message) => malformed.push(message)),
    transferSyntaxUID,
  };
  if (malformed.length > 0) result.malformed = malformed;
  return withoutUndefined(result);
}

/** Shared and Per-frame Functional Groups Sequences (PS3.3 C.7.6.16), and the macros inside them read here. */
const FG = {
  Shared: 0x52009229,
  PerFrame: 0x52009230,
  PlanePosition: 0x00209113,
  PlaneOrientation: 0x00209116,
  PixelMeasures: 0x00289110,
  PixelValueTransformation: 0x00289145,
} as const;
const FG_NAMES = new Map<number, string>([
  [FG.Shared, 'SharedFunctionalGroupsSequence'],
  [FG.PerFrame, 'PerFrameFunctionalGroupsSequence'],
]);
/** Functional groups nest two levels (group item > macro item); more is damage or a loop. */
const MAX_FG_DEPTH = 8;
/** Per-frame malformed values named in `malformed`; the rest are counted (a 1000-frame file could list 1000). */
const MAX_FRAME_MESSAGES = 10;
const IMPLICIT_LE: DatasetEncoding = { explicitVR: false, littleEndian: true };

type Lenient = <T>(read: () => T | undefined, where?: string) => T | undefined;
/** An item's elements by tag (the first of each), where their values are; nothing copied. */
type Item = Map<number, ElementHeader>;

/**
 * The functional groups of a multi-frame instance. The decoder's walker keeps top-level elements
 * only, so the dataset is opened again (only for multi-frame files) and the two sequences walked.
 * A damaged sequence is a damaged file (422), as the walker would have found; a malformed value
 * inside is left out and named, like the top-level ones.
 */
function readFunctionalGroups(bytes: Uint8Array, maxPixels: number, opened: OpenImage, lenient: Lenient): FunctionalGroups {
  const file = new ByteReader(bytes, true);
  const { reader, start, encoding } = openDataset(file, readFileMeta(file), maxPixels);
  const top = parseDataset(reader, start, encoding, new Set([FG.Shared, FG.PerFrame])).elements;
  const walk = (element: ElementHeader | undefined): Item[] => (element ? readItems(reader, element, encoding, 0).items : []);
  let frameMessages = 0;
  const perFrameLenient: Lenient = (read, where) =>
    lenient(() => {
      try {
        return read();
      } catch (err) {
        if (err instanceof DecodeError && ++frameMessages > MAX_FRAME_MESSAGES) return undefined;
        throw err;
      }
    }, where);
  const group = (item: Item | undefined, where: string, ask: Lenient): FrameGeometry => {
    if (!item) return {};
    const macro = (tag: number): Attributes | undefined => {
      const first = walk(item.get(tag))[0];
      return first && new Attributes(reader, first);
    };
    const position = macro(FG.PlanePosition);
    const orientation = macro(FG.PlaneOrientation);
    const measures = macro(FG.PixelMeasures);
    const transform = macro(FG.PixelValueTransformation);
    return withoutUndefined({
      imagePositionPatient: position && ask(() => position.decimals(Tag.ImagePositionPatient, 3) as Vec3 | undefined, where),
      imageOrientationPatient: orientation && ask(() => readOrientation(orientation), where),
      pixelSpacing: measures && ask(() => positive(Tag.PixelSpacing, measures.decimals(Tag.PixelSpacing, 2)) as PixelSpacing | undefined, where),
      sliceThickness: measures && ask(() => positive(Tag.SliceThickness, measures.decimalString(Tag.SliceThickness)), where),
      rescaleIntercept: transform && ask(() => transform.decimalString(Tag.RescaleIntercept), where),
      rescaleSlope: transform && ask(() => transform.decimalString(Tag.RescaleSlope), where),
    });
  };
  const perFrameItems = walk(top.get(FG.PerFrame));
  const functionalGroups: FunctionalGroups = {
    shared: group(walk(top.get(FG.Shared))[0], 'SharedFunctionalGroupsSequence: ', lenient),
    perFrame: perFrameItems.map((item, i) => group(item, `frame ${i + 1}: `, perFrameLenient)),
    topLevelRescale: { intercept: opened.header.rescaleIntercept, slope: opened.header.rescaleSlope },
  };
  if (frameMessages > MAX_FRAME_MESSAGES) lenient(() => { throw new DecodeError(422, 'image_corrupt', `and ${frameMessages - MAX_FRAME_MESSAGES} more malformed per-frame value(s)`); });
  return functionalGroups;
}

/**
 * The items of a sequence (PS3.5 7.5), of defined or undefined length, each as its elements by
 * tag; `end` is the offset just past the sequence. UN-wrapped sequences are implicit VR little
 * endian inside (PS3.5 6.2.2).
 */
function readItems(reader: ByteReader, sequence: ElementHeader, outer: DatasetEncoding, depth: number): { items: Item[]; end: number } {
  const name = FG_NAMES.get(sequence.tag) ?? formatTag(sequence.tag);
  if (depth > MAX_FG_DEPTH) throw corrupt(`sequences nest deeper than ${MAX_FG_DEPTH} levels inside ${name}`);
  const encoding = sequence.vr === 'UN' ? IMPLICIT_LE : outer;
  const end = sequence.length === UNDEFINED_LENGTH ? undefined : sequence.valueOffset + sequence.length;
  if (end !== undefined) reader.need(sequence.valueOffset, sequence.length, `${name} value`);
  const items: Item[] = [];
  let offset = sequence.valueOffset;
  while (end === undefined || offset < end) {
    const header = readElementHeader(reader, offset, encoding);
    if (header.tag === SEQUENCE_DELIMITATION && end === undefined) return { items, end: header.valueOffset };
    if (header.tag !== ITEM) throw corrupt(`${name} holds ${formatTag(header.tag)} at offset ${offset} where an item belongs`);
    const itemEnd = header.length === UNDEFINED_LENGTH ? undefined : header.valueOffset + header.length;
    if (itemEnd !== undefined) reader.need(header.valueOffset, header.length, `item of ${name}`);
    const item: Item = new Map();
    let at = header.valueOffset;
    while (itemEnd === undefined || at < itemEnd) {
      const element = readElementHeader(reader, at, encoding);
      if (element.tag === ITEM_DELIMITATION && itemEnd === undefined) {
        at = element.valueOffset;
        break;
      }
      if (element.tag >>> 16 === 0xfffe) throw corrupt(`${formatTag(element.tag)} at offset ${at} inside ${name} where an element belongs`);
      if (!item.has(element.tag)) item.set(element.tag, element);
      if (element.length === UNDEFINED_LENGTH) at = readItems(reader, element, encoding, depth + 1).end;
      else {
        reader.need(element.valueOffset, element.length, `${formatTag(element.tag)} value`);
        at = element.valueOffset + element.length;
      }
    }
    items.push(item);
    offset = itemEnd ?? at;
  }
  return { items, end };
}

function corrupt(message: string): DecodeError {
  return new DecodeError(422, 'image_corrupt', message);
}

function readOrientation(attributes: Attributes): Orientation | undefined {
  const values = attributes.decimals(Tag.ImageOrientationPatient, 6);
  if (values === undefined) return undefined;
  const problem = orientationProblem(values);
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
