/**
 * From the file meta to the dataset's bytes and encoding: looks the transfer syntax up (its codec
 * for compressed ones; 415 for unknown ones and compressed ones without a codec), inflates a
 * deflated dataset, and sniffs the encoding of files whose meta names none. Also where a file
 * that is not DICOM at all is told apart (415).
 */
import { DecodeError } from '../decoded-image.js';
import { ByteReader } from './byte-reader.js';
import type { FileMeta } from './file-meta.js';
import { sniffDatasetStart } from './file-meta.js';
import { codecFor } from './codecs/frame-codecs.js';
import type { FrameCodec } from './codecs/frame-codec.js';
import { inflateRaw } from './inflate.js';
import { EXPLICIT_VR_LITTLE_ENDIAN, lookupTransferSyntax, type DatasetEncoding } from './transfer-syntax.js';

export interface OpenDataset {
  /** The dataset's bytes, in its byte order (the inflated copy for a deflated file). */
  reader: ByteReader;
  /** Where its first element starts in `reader`. */
  start: number;
  encoding: DatasetEncoding;
  /** For a compressed transfer syntax: the codec of its frames (the dataset is explicit VR little endian). */
  codec?: FrameCodec;
}

/**
 * A deflated dataset's size is known only once it is inflated (its header is inside), so the
 * inflate stops at what the largest image within the caller's maxPixels can need: maxPixels x
 * MAX_BYTES_PER_PIXEL (3 samples x 16 bits, the widest pixel decoded here) + HEADER_ALLOWANCE
 * (the elements around Pixel Data), and never past MAX_INFLATED_BYTES, half the 128 MB isolate.
 */
const MAX_INFLATED_BYTES = 64 * 1024 * 1024;
const MAX_BYTES_PER_PIXEL = 6;
const HEADER_ALLOWANCE = 1024 * 1024;
/** The first element of a real dataset is in group 0002 (meta) to 7FE0 (pixel data), usually 0008. */
const FIRST_GROUP_MIN = 0x0002;
const FIRST_GROUP_MAX = 0x7fe0;

/**
 * @example const { reader, start, encoding } = openDataset(file, readFileMeta(file), DEFAULT_MAX_PIXELS)
 */
export function openDataset(file: ByteReader, meta: FileMeta, maxPixels: number): OpenDataset {
  const start = meta.datasetOffset;
  const uid = meta.transferSyntaxUID;
  if (uid === undefined) return sniffed(file, meta);

  const syntax = lookupTransferSyntax(uid);
  if (!syntax) {
    throw new DecodeError(415, 'unsupported_transfer_syntax', `unknown transfer syntax UID ${JSON.stringify(uid.slice(0, 64))}`);
  }
  if (!syntax.native) {
    const codec = codecFor(syntax.uid);
    if (codec) return { reader: file, start, encoding: { explicitVR: true, littleEndian: true }, codec };
    throw new DecodeError(
      415,
      'unsupported_transfer_syntax',
      `transfer syntax ${syntax.name} (${syntax.uid}) carries compressed pixel data in a form not decoded here; ` +
        `send uncompressed DICOM, e.g. Explicit VR Little Endian (${EXPLICIT_VR_LITTLE_ENDIAN}), or RLE, JPEG, JPEG-LS, JPEG 2000 or HTJ2K`,
    );
  }
  const encoding = { explicitVR: syntax.explicitVR, littleEndian: syntax.littleEndian };
  if (!syntax.deflated) return { reader: file.withByteOrder(encoding.littleEndian), start, encoding };

  const limit = Math.min(MAX_INFLATED_BYTES, maxPixels * MAX_BYTES_PER_PIXEL + HEADER_ALLOWANCE);
  const reason =
    limit === MAX_INFLATED_BYTES
      ? `the limit for one deflated dataset (${MAX_INFLATED_BYTES} bytes, half the isolate's memory)`
      : `the most an image within the limit of ${maxPixels} pixels needs (${MAX_BYTES_PER_PIXEL} bytes a pixel plus ${HEADER_ALLOWANCE} bytes of header)`;
  const inflated = inflateRaw(file.bytes.subarray(start), limit, reason);
  return { reader: new ByteReader(inflated, true), start: 0, encoding };
}

function sniffed(file: ByteReader, meta: FileMeta): OpenDataset {
  const start = meta.datasetOffset;
  const guess = sniffDatasetStart(file, start);
  if (!meta.hasMeta) {
    // Without 'DICM' or a meta group, only a plausible first element says this is DICOM at all.
    if (!guess || guess.group < FIRST_GROUP_MIN || guess.group > FIRST_GROUP_MAX) {
      throw new DecodeError(
        415,
        'unsupported_media_type',
        "not a DICOM file: there is no 'DICM' marker at offset 128, and the first bytes are not a DICOM data element",
      );
    }
  }
  if (guess) return { reader: file.withByteOrder(guess.encoding.littleEndian), start, encoding: guess.encoding };
  if (!file.has(start, 1)) {
    // Nothing after the meta group: an empty dataset, which has no pixel data.
    return { reader: file, start, encoding: { explicitVR: true, littleEndian: true } };
  }
  throw new DecodeError(
    422,
    'image_corrupt',
    `the file meta information names no Transfer Syntax UID (0002,0010), and the dataset at offset ${start} ` +
      'reads as neither explicit nor implicit VR',
  );
}
