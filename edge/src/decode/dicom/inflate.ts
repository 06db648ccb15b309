/**
 * Inflates the dataset of a Deflated Explicit VR Little Endian file (PS3.5 section A.5: raw
 * deflate, RFC 1951, no zlib header) through bounded-inflate, which stops at the first byte past
 * the caller's limit, so a small upload cannot inflate past the isolate's memory. Writers pad the
 * deflated dataset to an even length; a few bytes after the stream are accepted as that padding.
 */
import { inflateBounded } from '../bounded-inflate.js';
import { DecodeError } from '../decoded-image.js';

/** Writers pad the deflated dataset to an even length; more than this is not padding. */
const MAX_PAD_BYTES = 8;

/**
 * @param limitReason why `maxBytes` is the limit, for the 413 message ("the most ... needs")
 * @example inflateRaw(bytes.subarray(meta.datasetOffset), 64 * 1024 * 1024, 'the limit for one upload')
 */
export function inflateRaw(deflated: Uint8Array, maxBytes: number, limitReason: string): Uint8Array {
  const { bytes, trailingBytes } = inflateBounded(deflated, {
    format: 'raw',
    maxBytes,
    // The dataset's size is inside it: measure first, so a bomb costs no memory at all.
    size: 'ceiling',
    what: 'the deflated dataset',
    // 413, not 422: the header is inside the deflated data, so past the limit it may be a real
    // image too large for the cap as well as a bomb; either way it is more than we accept.
    limit: { status: 413, reason: limitReason },
  });
  if (trailingBytes > MAX_PAD_BYTES) {
    throw new DecodeError(422, 'image_corrupt', `the deflated dataset has ${trailingBytes} bytes after its deflate stream; more than ${MAX_PAD_BYTES} is not padding`);
  }
  return bytes;
}
