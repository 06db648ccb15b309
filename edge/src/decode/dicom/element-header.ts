/**
 * One data element header (PS3.5 section 7.1): tag, VR when the encoding is explicit, value length.
 * Shared by the file meta reader, the encoding sniffer and the dataset walker.
 */
import { DecodeError } from '../decoded-image.js';
import type { ByteReader } from './byte-reader.js';
import type { DatasetEncoding } from './transfer-syntax.js';

/** Value length 0xFFFFFFFF: a sequence, item or encapsulated pixel data that ends at a delimiter. */
export const UNDEFINED_LENGTH = 0xffffffff;
/** Item, Item Delimitation and Sequence Delimitation (PS3.5 section 7.5): no VR even when explicit. */
export const ITEM = 0xfffee000;
export const ITEM_DELIMITATION = 0xfffee00d;
export const SEQUENCE_DELIMITATION = 0xfffee0dd;

/**
 * VRs with a 2-byte length in explicit VR (PS3.5 table 7.1-2). Every other VR, including ones
 * added after this list, has 2 reserved bytes and a 4-byte length (PS3.5 table 7.1-1).
 */
const SHORT_LENGTH_VRS = new Set([
  'AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FL', 'FD', 'IS', 'LO', 'LT', 'PN', 'SH', 'SL', 'SS', 'ST', 'TM', 'UI', 'UL', 'US',
]);
/** VRs with a 4-byte length; an explicit VR outside both lists is refused as damage. */
const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

export function isKnownVR(vr: string): boolean {
  return SHORT_LENGTH_VRS.has(vr) || LONG_LENGTH_VRS.has(vr);
}

export interface ElementHeader {
  tag: number;
  /** Absent in implicit VR and for item/delimiter tags. */
  vr: string | undefined;
  /** Value length in bytes, or UNDEFINED_LENGTH. */
  length: number;
  /** Where the element header starts. */
  offset: number;
  /** Where the value starts. */
  valueOffset: number;
}

/** "(7FE0,0010)", as DICOM writes tags. */
export function formatTag(tag: number): string {
  const hex = tag.toString(16).toUpperCase().padStart(8, '0');
  return `(${hex.slice(0, 4)},${hex.slice(4)})`;
}

/** Reads the element header at `offset`; throws 422 when it is cut short or its VR is not one. */
export function readElementHeader(reader: ByteReader, offset: number, encoding: DatasetEncoding): ElementHeader {
  const group = reader.uint16(offset, 'element tag');
  const tag = ((group << 16) | reader.uint16(offset + 2, 'element tag')) >>> 0;
  if (group === 0xfffe) {
    return { tag, vr: undefined, length: reader.uint32(offset + 4, `${formatTag(tag)} length`), offset, valueOffset: offset + 8 };
  }
  if (!encoding.explicitVR) {
    return { tag, vr: undefined, length: reader.uint32(offset + 4, `${formatTag(tag)} length`), offset, valueOffset: offset + 8 };
  }
  const vr = reader.latin1(offset + 4, 2, `${formatTag(tag)} VR`);
  if (SHORT_LENGTH_VRS.has(vr)) {
    return { tag, vr, length: reader.uint16(offset + 6, `${formatTag(tag)} length`), offset, valueOffset: offset + 8 };
  }
  if (LONG_LENGTH_VRS.has(vr)) {
    return { tag, vr, length: reader.uint32(offset + 8, `${formatTag(tag)} length`), offset, valueOffset: offset + 12 };
  }
  const bytes = [...vr].map((c) => `0x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(' ');
  throw new DecodeError(
    422,
    'image_corrupt',
    `element ${formatTag(tag)} at offset ${offset} has VR bytes ${bytes}, which is not a DICOM value representation`,
  );
}
