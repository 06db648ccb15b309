/**
 * Test support for the decodeDicom tests: a minimal DICOM Part 10 writer (explicit VR unless told
 * otherwise), so a test can build exactly the file whose handling it pins: sample layouts,
 * dimensions, sequences, transfer syntaxes, deflated datasets.
 */
import { concatBytes } from '../../../../shared/concat-bytes.js';

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
export const DEFLATED = '1.2.840.10008.1.2.1.99';
const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN']);

export const concat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

export const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** An unsigned 2- or 4-byte integer, little endian unless le is false. */
export function uint(value: number, bytes: 2 | 4, le = true): Uint8Array {
  const out = new Uint8Array(bytes);
  const view = new DataView(out.buffer);
  if (bytes === 2) view.setUint16(0, value, le);
  else view.setUint32(0, value, le);
  return out;
}

/** One element; strings are padded to even length (NUL for UI, space otherwise). */
export function el(tag: number, vr: string, value: Uint8Array | string, le = true): Uint8Array {
  let bytes = typeof value === 'string' ? ascii(value) : value;
  if (typeof value === 'string' && bytes.length % 2) bytes = concat(bytes, Uint8Array.of(vr === 'UI' ? 0 : 0x20));
  const tagBytes = concat(uint(tag >>> 16, 2, le), uint(tag & 0xffff, 2, le));
  const length = LONG_VRS.has(vr) ? concat(new Uint8Array(2), uint(bytes.length, 4, le)) : uint(bytes.length, 2, le);
  return concat(tagBytes, ascii(vr), length, bytes);
}

/** An element of undefined length (SQ, UN, encapsulated OB) holding `content` and its delimiter. */
export function undefinedLength(tag: number, vr: string, content: Uint8Array): Uint8Array {
  return concat(uint(tag >>> 16, 2), uint(tag & 0xffff, 2), ascii(vr), new Uint8Array(2), uint(0xffffffff, 4), content, delimiter(0xe0dd));
}
/** A sequence item, of defined length or (undefinedLen) closed by an item delimiter. */
export function item(content: Uint8Array, undefinedLen = false): Uint8Array {
  return undefinedLen
    ? concat(uint(0xfffe, 2), uint(0xe000, 2), uint(0xffffffff, 4), content, delimiter(0xe00d))
    : concat(uint(0xfffe, 2), uint(0xe000, 2), uint(content.length, 4), content);
}
const delimiter = (element: number) => concat(uint(0xfffe, 2), uint(element, 2), uint(0, 4));
/** Implicit VR little endian element (inside UN sequences). */
export const implicitEl = (tag: number, value: Uint8Array) => concat(uint(tag >>> 16, 2), uint(tag & 0xffff, 2), uint(value.length, 4), value);

/** A Part 10 file: preamble, 'DICM', a meta group naming the transfer syntax, then the dataset. */
export function part10(dataset: Uint8Array[], transferSyntax = EXPLICIT_LE): Uint8Array {
  const meta = concat(el(0x00020001, 'OB', Uint8Array.of(0, 1)), el(0x00020010, 'UI', transferSyntax));
  return concat(new Uint8Array(128), ascii('DICM'), el(0x00020000, 'UL', uint(meta.length, 4)), meta, ...dataset);
}

/** An image's attributes; each one left out takes the default below (2x2, 16-bit, MONOCHROME2). */
export interface Synthetic {
  rows?: number | null;
  columns?: number | null;
  samples?: number;
  photometric?: string;
  planar?: number;
  frames?: string;
  bitsAllocated?: number;
  bitsStored?: number;
  highBit?: number;
  signed?: boolean;
  slope?: string;
  intercept?: string;
  center?: string;
  width?: string;
  sopClass?: string;
  modality?: string;
  /** Elements placed before the image attributes (sequences, decoys). */
  before?: Uint8Array[];
  pixelVR?: 'OB' | 'OW';
  pixels: Uint8Array;
  bigEndian?: boolean;
}

/** The dataset elements of an image, in tag order. */
export function imageDataset(s: Synthetic): Uint8Array[] {
  const le = !s.bigEndian;
  const us = (tag: number, n: number) => el(tag, 'US', uint(n, 2, le), le);
  const out: Uint8Array[] = [];
  if (s.sopClass) out.push(el(0x00080016, 'UI', s.sopClass, le));
  if (s.modality) out.push(el(0x00080060, 'CS', s.modality, le));
  out.push(...(s.before ?? []));
  out.push(us(0x00280002, s.samples ?? 1), el(0x00280004, 'CS', s.photometric ?? 'MONOCHROME2', le));
  if (s.planar !== undefined) out.push(us(0x00280006, s.planar));
  if (s.frames !== undefined) out.push(el(0x00280008, 'IS', s.frames, le));
  if (s.rows !== null) out.push(us(0x00280010, s.rows ?? 2));
  if (s.columns !== null) out.push(us(0x00280011, s.columns ?? 2));
  const bits = s.bitsAllocated ?? 16;
  out.push(us(0x00280100, bits), us(0x00280101, s.bitsStored ?? bits), us(0x00280102, s.highBit ?? (s.bitsStored ?? bits) - 1));
  out.push(us(0x00280103, s.signed ? 1 : 0));
  if (s.center !== undefined) out.push(el(0x00281050, 'DS', s.center, le));
  if (s.width !== undefined) out.push(el(0x00281051, 'DS', s.width, le));
  if (s.intercept !== undefined) out.push(el(0x00281052, 'DS', s.intercept, le));
  if (s.slope !== undefined) out.push(el(0x00281053, 'DS', s.slope, le));
  out.push(el(0x7fe00010, s.pixelVR ?? (bits === 8 ? 'OB' : 'OW'), s.pixels, le));
  return out;
}

/** A whole Part 10 file holding the image `s` describes. */
export const image = (s: Synthetic): Uint8Array => part10(imageDataset(s), s.bigEndian ? EXPLICIT_BE : EXPLICIT_LE);
/** 16-bit words, as Pixel Data of BitsAllocated 16 holds them. */
export const words = (values: number[], le = true) => concat(...values.map((v) => uint(v, 2, le)));

/** Raw deflate (no zlib header), as the Deflated Explicit VR Little Endian transfer syntax holds it. */
export async function deflateRaw(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
