/**
 * Inflates the dataset of a Deflated Explicit VR Little Endian file (PS3.5 section A.5: raw
 * deflate, RFC 1951, no zlib header) with the Web `DecompressionStream`, stopping at a byte limit
 * so a small upload cannot inflate past the isolate's memory.
 */
import { concatBytes } from '../../../../shared/concat-bytes.js';
import { DecodeError } from '../decoded-image.js';

/** Bytes after the end of the deflate stream: workerd refuses them where Node ignores them. */
class TrailingBytes extends Error {}

/** Writers pad the deflated dataset to an even length; more than this is not padding. */
const MAX_PAD_BYTES = 8;

/**
 * @example await inflateRaw(bytes.subarray(meta.datasetOffset), 64 * 1024 * 1024)
 */
export async function inflateRaw(deflated: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  // PS3.5 A.5 files are often padded after the deflate stream. workerd's DecompressionStream
  // then fails with "trailing bytes" and delivers nothing, so drop the pad and inflate again.
  for (let pad = 0; pad <= MAX_PAD_BYTES && pad < deflated.length; pad++) {
    try {
      return await inflateOnce(deflated.subarray(0, deflated.length - pad), maxBytes);
    } catch (err) {
      if (!(err instanceof TrailingBytes)) throw err;
    }
  }
  throw new DecodeError(422, 'image_corrupt', `the deflated dataset has more than ${MAX_PAD_BYTES} bytes after its deflate stream`);
}

async function inflateOnce(deflated: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const stream = new DecompressionStream('deflate-raw');
  const writer = stream.writable.getWriter();
  // Errors surface through the reader; these two would otherwise be unhandled rejections.
  // The cast: TS's DOM lib asks for an ArrayBuffer-backed view; a SharedArrayBuffer one never reaches here.
  writer.write(deflated as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});

  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        reader.cancel().catch(() => {});
        throw new DecodeError(413, 'image_too_large', `the deflated dataset inflates past ${maxBytes} bytes, the limit for one upload`);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    if (/trailing bytes/i.test(reason)) throw new TrailingBytes();
    // Node and workerd both report a stream cut short as an "unexpected end" (zlib's Z_BUF_ERROR).
    if (/unexpected end|Z_BUF_ERROR|truncat/i.test(`${reason} ${(err as { code?: unknown })?.code ?? ''}`)) {
      throw new DecodeError(422, 'image_truncated', `the deflated dataset ends before its deflate stream does (${reason})`);
    }
    throw new DecodeError(422, 'image_corrupt', `the deflated dataset does not inflate: ${reason}`);
  }

  return concatBytes(chunks);
}
