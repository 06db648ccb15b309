/**
 * The few attributes the decoder and the studies' instance headers read (names, tags and VRs from
 * the PS3.6 data dictionary) and typed access to their values. Values are read by the
 * dictionary's VR, not the file's: implicit VR files carry none, and the dictionary is what the
 * value must be anyway.
 */
import { DecodeError } from '../decoded-image.js';
import type { ByteReader } from './byte-reader.js';
import { formatTag, type ElementHeader } from './element-header.js';

type ValueVR = 'US' | 'IS' | 'DS' | 'CS' | 'UI' | 'LO' | 'SH' | 'PN' | 'DA' | 'TM' | 'AS' | 'OB or OW' | 'OF' | 'OD';

const DICTIONARY = {
  TransferSyntaxUID: [0x00020010, 'UI'],
  SpecificCharacterSet: [0x00080005, 'CS'],
  ImageType: [0x00080008, 'CS'],
  SOPClassUID: [0x00080016, 'UI'],
  SOPInstanceUID: [0x00080018, 'UI'],
  StudyDate: [0x00080020, 'DA'],
  StudyTime: [0x00080030, 'TM'],
  AccessionNumber: [0x00080050, 'SH'],
  Modality: [0x00080060, 'CS'],
  ReferringPhysicianName: [0x00080090, 'PN'],
  StudyDescription: [0x00081030, 'LO'],
  SeriesDescription: [0x0008103e, 'LO'],
  PatientName: [0x00100010, 'PN'],
  PatientID: [0x00100020, 'LO'],
  PatientBirthDate: [0x00100030, 'DA'],
  PatientSex: [0x00100040, 'CS'],
  PatientAge: [0x00101010, 'AS'],
  SliceThickness: [0x00180050, 'DS'],
  StudyInstanceUID: [0x0020000d, 'UI'],
  SeriesInstanceUID: [0x0020000e, 'UI'],
  StudyID: [0x00200010, 'SH'],
  SeriesNumber: [0x00200011, 'IS'],
  InstanceNumber: [0x00200013, 'IS'],
  ImagePositionPatient: [0x00200032, 'DS'],
  ImageOrientationPatient: [0x00200037, 'DS'],
  FrameOfReferenceUID: [0x00200052, 'UI'],
  SamplesPerPixel: [0x00280002, 'US'],
  PhotometricInterpretation: [0x00280004, 'CS'],
  PlanarConfiguration: [0x00280006, 'US'],
  NumberOfFrames: [0x00280008, 'IS'],
  Rows: [0x00280010, 'US'],
  Columns: [0x00280011, 'US'],
  PixelSpacing: [0x00280030, 'DS'],
  BitsAllocated: [0x00280100, 'US'],
  BitsStored: [0x00280101, 'US'],
  HighBit: [0x00280102, 'US'],
  PixelRepresentation: [0x00280103, 'US'],
  WindowCenter: [0x00281050, 'DS'],
  WindowWidth: [0x00281051, 'DS'],
  RescaleIntercept: [0x00281052, 'DS'],
  RescaleSlope: [0x00281053, 'DS'],
  FloatPixelData: [0x7fe00008, 'OF'],
  DoubleFloatPixelData: [0x7fe00009, 'OD'],
  PixelData: [0x7fe00010, 'OB or OW'],
} as const satisfies Record<string, readonly [number, ValueVR]>;

export type AttributeName = keyof typeof DICTIONARY;

/** Tag numbers by keyword, e.g. `Tag.PixelData === 0x7fe00010`. */
export const Tag = Object.fromEntries(Object.entries(DICTIONARY).map(([name, [tag]]) => [name, tag])) as {
  readonly [K in AttributeName]: (typeof DICTIONARY)[K][0];
};

/** Every tag the dataset walker should remember (at the top level only). */
export const WANTED_TAGS: ReadonlySet<number> = new Set(Object.values(Tag));

const NAMES = new Map<number, string>(Object.entries(DICTIONARY).map(([name, [tag]]) => [tag, name]));

/** "Rows (0028,0010)", for messages. */
export function describeTag(tag: number): string {
  const name = NAMES.get(tag);
  return name ? `${name} ${formatTag(tag)}` : formatTag(tag);
}

/**
 * Strings longer than this are not one of our attributes' values: DS and IS are <= 16 chars, CS
 * 16, LO 64, UI 64, and the longest multi-valued one (ImageOrientationPatient, 6 DS) about 100.
 */
const MAX_TEXT_BYTES = 1024;
const INTEGER_STRING = /^[+-]?\d{1,12}$/;
const DECIMAL_STRING = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Typed values of the attributes the walker found; `undefined` when absent or empty (type 2). */
export class Attributes {
  constructor(
    private readonly reader: ByteReader,
    private readonly elements: ReadonlyMap<number, ElementHeader>,
  ) {}

  has(tag: number): boolean {
    return this.elements.has(tag);
  }

  /** US: an unsigned 16-bit number (the first one when multi-valued). */
  uint16(tag: number): number | undefined {
    const element = this.elements.get(tag);
    if (!element || element.length === 0) return undefined;
    if (element.length < 2) throw invalid(tag, `has a ${element.length}-byte value, a US value takes 2 bytes`);
    return this.reader.uint16(element.valueOffset, describeTag(tag));
  }

  /** CS / UI / LO / the first value of a multi-valued string, without DICOM's space or NUL padding. */
  text(tag: number): string | undefined {
    const element = this.elements.get(tag);
    if (!element || element.length === 0) return undefined;
    const raw = this.reader.latin1(element.valueOffset, Math.min(element.length, MAX_TEXT_BYTES), describeTag(tag));
    const first = unpad(raw.split('\\')[0] ?? '');
    return first === '' ? undefined : first;
  }

  /**
   * Every value of a multi-valued string (CS, DS), each without its padding. An empty value stays
   * in its place as '' (ImageType's values mean something by position); all-empty is `undefined`.
   * Unlike `text`, a value past MAX_TEXT_BYTES is refused, not cut: a cut would drop values silently.
   */
  texts(tag: number): string[] | undefined {
    const element = this.elements.get(tag);
    if (!element || element.length === 0) return undefined;
    if (element.length > MAX_TEXT_BYTES) throw invalid(tag, `is ${element.length} bytes long, more than ${MAX_TEXT_BYTES}`);
    const values = this.reader.latin1(element.valueOffset, element.length, describeTag(tag)).split('\\').map(unpad);
    return values.every((v) => v === '') ? undefined : values;
  }

  /**
   * A person name or other free text (PN, LO, SH) whole, `\\` and `^` kept, decoded by `decode`
   * (the file's Specific Character Set); padding dropped. Where `text` reads the first value of
   * what is ASCII anyway (UIDs, codes, numbers), this is for what a person typed.
   */
  string(tag: number, decode: (bytes: Uint8Array) => string): string | undefined {
    const element = this.elements.get(tag);
    if (!element || element.length === 0) return undefined;
    if (element.length > MAX_TEXT_BYTES) throw invalid(tag, `is ${element.length} bytes long, more than ${MAX_TEXT_BYTES}`);
    const value = unpad(decode(this.reader.slice(element.valueOffset, element.length, describeTag(tag))));
    return value === '' ? undefined : value;
  }

  /** IS: a whole number written as text. */
  integerString(tag: number): number | undefined {
    const text = this.text(tag);
    if (text === undefined) return undefined;
    if (!INTEGER_STRING.test(text)) throw invalid(tag, `is ${JSON.stringify(text.slice(0, 32))}, not an integer string`);
    return Number(text);
  }

  /** DS: a decimal number written as text (the first one when multi-valued). */
  decimalString(tag: number): number | undefined {
    const text = this.text(tag);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!DECIMAL_STRING.test(text) || !Number.isFinite(value)) {
      throw invalid(tag, `is ${JSON.stringify(text.slice(0, 32))}, not a decimal string`);
    }
    return value;
  }

  /**
   * DS, every value (ImagePositionPatient, PixelSpacing), optionally exactly `count` of them. An
   * empty value among others is malformed: a coordinate cannot be left out.
   * @example attributes.decimals(Tag.ImagePositionPatient, 3) // [-158.1358, -179.0358, -75.7]
   */
  decimals(tag: number, count?: number): number[] | undefined {
    const texts = this.texts(tag);
    if (texts === undefined) return undefined;
    if (count !== undefined && texts.length !== count) throw invalid(tag, `has ${texts.length} value(s), must have ${count}`);
    return texts.map((text, i) => {
      const value = Number(text);
      if (!DECIMAL_STRING.test(text) || !Number.isFinite(value)) {
        throw invalid(tag, `value ${i + 1} is ${JSON.stringify(text.slice(0, 32))}, not a decimal string`);
      }
      return value;
    });
  }
}

/** DICOM pads values with spaces (NUL for UI) to even length; leading spaces are insignificant too. */
const unpad = (value: string): string => value.replace(/^[\s\0]+|[\s\0]+$/g, '');

function invalid(tag: number, problem: string): DecodeError {
  return new DecodeError(422, 'image_corrupt', `${describeTag(tag)} ${problem}`);
}
