/**
 * Walks a dataset's elements (PS3.5 section 7) and remembers where the wanted top-level ones are,
 * without copying any value. Sequences are skipped whole: by their length when it is defined, item
 * by item when it is undefined (PS3.5 section 7.5), so attributes inside them (an icon image's own
 * Rows or Pixel Data) never shadow the image's. The walk stops at the top-level Pixel Data: every
 * attribute we need sorts before it, and what follows it (overlays, padding) is not our business.
 */
import { DecodeError } from '../decoded-image.js';
import { Tag, describeTag } from './attributes.js';
import type { ByteReader } from './byte-reader.js';
import {
  formatTag,
  ITEM,
  ITEM_DELIMITATION,
  readElementHeader,
  SEQUENCE_DELIMITATION,
  UNDEFINED_LENGTH,
  type ElementHeader,
} from './element-header.js';
import type { DatasetEncoding } from './transfer-syntax.js';

export interface ParsedDataset {
  /** The first top-level occurrence of each wanted tag. */
  elements: Map<number, ElementHeader>;
  /** The top-level Pixel Data (7FE0,0010); its value lies inside the file unless its length is undefined. */
  pixelData: ElementHeader | undefined;
}

/** Real files nest a handful of levels (RT plans about 4); deeper means a loop of garbage. */
const MAX_SEQUENCE_DEPTH = 64;
/** A UN element of undefined length holds a sequence in implicit VR little endian (PS3.5 section 6.2.2). */
const IMPLICIT_VR_LITTLE_ENDIAN: DatasetEncoding = { explicitVR: false, littleEndian: true };

/**
 * @example parseDataset(reader, meta.datasetOffset, { explicitVR: true, littleEndian: true }, WANTED_TAGS)
 */
export function parseDataset(reader: ByteReader, start: number, encoding: DatasetEncoding, wanted: ReadonlySet<number>): ParsedDataset {
  const elements = new Map<number, ElementHeader>();
  let offset = start;
  while (offset < reader.length) {
    const element = readElementHeader(reader, offset, encoding);
    if (element.tag === Tag.PixelData) {
      if (element.length !== UNDEFINED_LENGTH) reader.need(element.valueOffset, element.length, `${describeTag(element.tag)} value`);
      return { elements, pixelData: element };
    }
    if (element.tag >>> 16 === 0xfffe) throw corrupt(`${formatTag(element.tag)} at offset ${offset} lies outside any sequence`);
    if (wanted.has(element.tag) && !elements.has(element.tag)) elements.set(element.tag, element);
    offset = skipValue(reader, element, encoding, 0);
  }
  return { elements, pixelData: undefined };
}

/** The offset just past `element`'s value. */
function skipValue(reader: ByteReader, element: ElementHeader, encoding: DatasetEncoding, depth: number): number {
  if (element.length !== UNDEFINED_LENGTH) {
    reader.need(element.valueOffset, element.length, `${describeTag(element.tag)} value`);
    return element.valueOffset + element.length;
  }
  // Undefined length: a sequence, a UN-wrapped sequence, or encapsulated pixel data inside one
  // (an icon image): all are items up to a sequence delimiter.
  const inner = element.vr === 'UN' ? IMPLICIT_VR_LITTLE_ENDIAN : encoding;
  return skipItems(reader, element.valueOffset, inner, depth + 1, element.tag);
}

function skipItems(reader: ByteReader, start: number, encoding: DatasetEncoding, depth: number, sequenceTag: number): number {
  if (depth > MAX_SEQUENCE_DEPTH) {
    throw corrupt(`sequences nest deeper than ${MAX_SEQUENCE_DEPTH} levels at offset ${start}`);
  }
  let offset = start;
  for (;;) {
    const item = readElementHeader(reader, offset, encoding);
    if (item.tag === SEQUENCE_DELIMITATION) return item.valueOffset;
    if (item.tag !== ITEM) {
      throw corrupt(
        `sequence ${describeTag(sequenceTag)} holds ${formatTag(item.tag)} at offset ${offset} where an item or its delimiter belongs`,
      );
    }
    if (item.length !== UNDEFINED_LENGTH) {
      reader.need(item.valueOffset, item.length, `item of ${describeTag(sequenceTag)}`);
      offset = item.valueOffset + item.length;
    } else {
      offset = skipItemElements(reader, item.valueOffset, encoding, depth);
    }
  }
}

/** Elements of an undefined-length item, up to and past its item delimiter. */
function skipItemElements(reader: ByteReader, start: number, encoding: DatasetEncoding, depth: number): number {
  let offset = start;
  for (;;) {
    const element = readElementHeader(reader, offset, encoding);
    if (element.tag === ITEM_DELIMITATION) return element.valueOffset;
    if (element.tag >>> 16 === 0xfffe) throw corrupt(`${formatTag(element.tag)} at offset ${offset} where an item's element belongs`);
    offset = skipValue(reader, element, encoding, depth);
  }
}

function corrupt(message: string): DecodeError {
  return new DecodeError(422, 'image_corrupt', message);
}
