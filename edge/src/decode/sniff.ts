/**
 * What an upload really is, judged by its first bytes: the edge compares this with the request's
 * Content-Type and refuses a body that contradicts it, so a decoder only ever sees the format it
 * was written for. Runtime-neutral (Web APIs only).
 */

export type SniffedImageType = 'png' | 'jpeg' | 'dicom';

/** PNG signature (PNG spec, section 5.2): \x89 P N G \r \n \x1a \n. */
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

/** DICOM Part 10: a 128-byte preamble, then the magic "DICM" (PS3.10 section 7.1). */
const DICM_OFFSET = 128;

/** Uppercase ASCII letter, as every explicit VR is ("CS", "UL", "OB", ...). */
const isUpper = (b: number | undefined): boolean => b !== undefined && b >= 0x41 && b <= 0x5a;

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  return prefix.every((b, i) => bytes[at + i] === b);
}

/**
 * A dataset written without preamble and meta header (some PACS exports, pydicom's "force"
 * files): the first element's tag is little-endian, group 0x0002 (file meta) or 0x0008
 * (identifying attributes, where a dataset without meta starts), element < 0x0100. Then either
 * an explicit VR (two uppercase letters) or an implicit 32-bit length small enough to be a real
 * first element, which keeps a random binary that happens to start with 08 00 from passing.
 */
function looksLikeBareDataset(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const group = bytes[0];
  if ((group !== 0x02 && group !== 0x08) || bytes[1] !== 0x00 || bytes[3] !== 0x00) return false;
  if (isUpper(bytes[4]) && isUpper(bytes[5])) return true;
  const implicitLength = (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16)) + bytes[7]! * 2 ** 24;
  return implicitLength <= 0xffff;
}

/**
 * The image format the bytes announce by their magic numbers, or `undefined` when none matches.
 *
 * @example
 * if (sniffImageType(body) !== 'png') throw new DecodeError(415, 'unsupported_media_type', 'body is not a PNG');
 */
export function sniffImageType(bytes: Uint8Array): SniffedImageType | undefined {
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  // SOI followed by the first byte of the next marker (every JPEG writer puts one there).
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x44, 0x49, 0x43, 0x4d], DICM_OFFSET)) return 'dicom';
  if (looksLikeBareDataset(bytes)) return 'dicom';
  return undefined;
}
