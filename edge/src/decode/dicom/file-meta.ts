/**
 * The start of a DICOM file (PS3.10 section 7.1): a 128-byte preamble, 'DICM', then the file meta
 * group (0002,xxxx), always explicit VR little endian, which names the transfer syntax of the
 * rest. Files written without preamble or meta (older ACR-NEMA style tools, PS3.10 media without
 * the wrapper) are recognised by sniffing the first dataset element instead.
 */
import { DecodeError } from '../decoded-image.js';
import { Attributes, Tag, describeTag } from './attributes.js';
import type { ByteReader } from './byte-reader.js';
import { isKnownVR, readElementHeader, UNDEFINED_LENGTH, type ElementHeader } from './element-header.js';
import type { DatasetEncoding } from './transfer-syntax.js';

const PREAMBLE_LENGTH = 128;
const MAGIC = 'DICM';
const META_GROUP = 0x0002;
const META_ENCODING: DatasetEncoding = { explicitVR: true, littleEndian: true };

export interface FileMeta {
  /** Whether the file has the 'DICM' marker or a file meta group at all. */
  hasMeta: boolean;
  /** Where the dataset starts, after the meta group. */
  datasetOffset: number;
  /** Transfer Syntax UID (0002,0010) when the meta group names one. */
  transferSyntaxUID: string | undefined;
}

/**
 * Finds 'DICM' at offset 128 (or at 0, or a bare meta group at 0) and reads the meta group.
 * @example readFileMeta(reader) // { hasMeta: true, datasetOffset: 336, transferSyntaxUID: '1.2.840.10008.1.2.1' }
 */
export function readFileMeta(reader: ByteReader): FileMeta {
  const le = reader.withByteOrder(true);
  let metaStart: number;
  if (le.has(PREAMBLE_LENGTH, 4) && le.latin1(PREAMBLE_LENGTH, 4, 'DICM marker') === MAGIC) metaStart = PREAMBLE_LENGTH + 4;
  else if (le.has(0, 4) && le.latin1(0, 4, 'DICM marker') === MAGIC) metaStart = 4;
  else if (le.has(0, 6) && le.uint16(0, 'element tag') === META_GROUP && isKnownVR(le.latin1(4, 2, 'VR'))) metaStart = 0;
  else return { hasMeta: false, datasetOffset: 0, transferSyntaxUID: undefined };

  const elements = new Map<number, ElementHeader>();
  let offset = metaStart;
  // The meta group ends where group 0002 does; its group length (0002,0000) is not trusted, as
  // writers get it wrong more often than they get the elements wrong.
  while (le.has(offset, 2) && le.uint16(offset, 'element tag') === META_GROUP) {
    const element = readElementHeader(le, offset, META_ENCODING);
    if (element.length === UNDEFINED_LENGTH) {
      throw new DecodeError(422, 'image_corrupt', `file meta element ${describeTag(element.tag)} at offset ${offset} has an undefined length`);
    }
    le.need(element.valueOffset, element.length, `file meta element ${describeTag(element.tag)}`);
    if (!elements.has(element.tag)) elements.set(element.tag, element);
    offset = element.valueOffset + element.length;
  }
  return { hasMeta: true, datasetOffset: offset, transferSyntaxUID: new Attributes(le, elements).text(Tag.TransferSyntaxUID) };
}

export interface SniffedStart {
  encoding: DatasetEncoding;
  /** The first element's group, in the sniffed byte order. */
  group: number;
}

/**
 * Guesses how the dataset at `offset` is encoded from its first element, as DICOM readers do for
 * files without a transfer syntax: VR letters at bytes 4-5 mean explicit VR (big endian when the
 * group reads smaller that way), else implicit VR little endian if the length fits in the file.
 */
export function sniffDatasetStart(reader: ByteReader, offset: number): SniffedStart | undefined {
  const le = reader.withByteOrder(true);
  if (!le.has(offset, 8)) return undefined;
  const groupLE = le.uint16(offset, 'element tag');
  if (isKnownVR(le.latin1(offset + 4, 2, 'VR'))) {
    const groupBE = reader.withByteOrder(false).uint16(offset, 'element tag');
    return groupLE <= groupBE
      ? { encoding: { explicitVR: true, littleEndian: true }, group: groupLE }
      : { encoding: { explicitVR: true, littleEndian: false }, group: groupBE };
  }
  const length = le.uint32(offset + 4, 'element length');
  if (length === UNDEFINED_LENGTH || le.has(offset + 8, length)) {
    return { encoding: { explicitVR: false, littleEndian: true }, group: groupLE };
  }
  return undefined;
}
