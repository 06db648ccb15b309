/// <reference path="./pako-zlib.d.ts" />
/**
 * The one inflate of the decoders (PNG's zlib IDAT stream, a deflated DICOM dataset), on pako 2,
 * the JavaScript port of zlib: it refuses output past `maxBytes`, so a decompression bomb (a ~1 MB
 * upload can inflate to 1 GiB: deflate reaches about 1030:1) costs what the limit allows and no
 * more. It drives pako's zlib API itself (inflate() into an output buffer it gives, as with zlib
 * in C) rather than pako's Inflate class, because that class hands every 64 KiB of output to
 * onData in a new buffer: counting a bomb that way left ~61-69 MiB of garbage in workerd (its
 * peak resident set, tests/edge/decompression-bomb) before the GC ran, where this costs 64 KiB.
 * Memory:
 * - 'exact' (a PNG's IHDR size): one buffer of maxBytes + 1, inflated into directly and returned
 *   without a copy; the one byte more is how a stream past the limit shows (the buffer fills);
 * - 'ceiling' (a DICOM dataset, size unknown below 64 MiB): inflated twice, first counting through
 *   one reused 64 KiB buffer, then as 'exact' with the counted size. A bomb costs CPU up to the
 *   limit but no memory; a stream that fits costs twice the CPU, and its size once.
 * Either way add pako's 32 KiB window and its code tables. zlib checks the zlib header and the
 * Adler-32 itself. Synchronous on purpose: workerd's DecompressionStream inflates a written chunk
 * whole before its reader can stop it (measured: a 1 MB deflated DICOM grew workerd by 1 GiB
 * although the reader gave up at 64 MiB), and decodePng's callers rely on it being synchronous.
 * Runtime-neutral (Web APIs only).
 */
import constants from 'pako/lib/zlib/constants.js';
import { inflate as zlibInflate, inflateEnd, inflateInit2 } from 'pako/lib/zlib/inflate.js';
import ZStream from 'pako/lib/zlib/zstream.js';
import { DecodeError } from './decoded-image.js';

export interface BoundedInflateOptions {
  /** 'zlib': RFC 1950 (header, deflate, Adler-32), as PNG's IDAT holds it; 'raw': RFC 1951 alone, as DICOM's. */
  format: 'zlib' | 'raw';
  /** The most bytes the output may have; one more is refused. */
  maxBytes: number;
  /**
   * 'exact': maxBytes is the size the data should have (a PNG's declared size), allocated at the
   * start. 'ceiling': the size is unknown below maxBytes; the stream is inflated twice, counting
   * first, then into a buffer of exactly the counted size (twice the CPU, never the memory).
   */
  size: 'exact' | 'ceiling';
  /** What the data is, starting every message: 'PNG image data', 'the deflated dataset'. */
  what: string;
  /** The answer past maxBytes: its status and why maxBytes is the limit ("what its IHDR declares ..."). */
  limit: { status: 413 | 422; reason: string };
}

export interface Inflated {
  bytes: Uint8Array;
  /** Input bytes after the end of the stream (writers pad; callers decide how much they allow). */
  trailingBytes: number;
}

/** The reused output buffer while only counting; zlib's inflate_fast wants at least 258 bytes of room. */
const COUNTING_BUFFER = 64 * 1024;

const truncated = (input: Uint8Array): DecodeError =>
  new DecodeError(422, 'image_truncated', `ends at input byte ${input.length}, before its deflate stream does`);

/** `at` is where zlib stopped reading: the damage is in the bytes just before it. */
const corrupt = (reason: string, at: number): DecodeError =>
  new DecodeError(422, 'image_corrupt', `does not inflate: ${reason} (near input byte ${at})`);

/**
 * One pass over the stream into `out`, written again from its start whenever it fills (only the
 * counting buffer does: the others are one byte over the limit). Returns the bytes in `out`, the
 * total inflated, and the input bytes left after the stream.
 */
function pass(input: Uint8Array, opts: BoundedInflateOptions, out: Uint8Array): { length: number; total: number; trailingBytes: number } {
  const strm = new ZStream();
  // windowBits 15 for zlib: a gzip header, which windowBits 31 or 47 would also take, is refused.
  inflateInit2(strm, opts.format === 'raw' ? -15 : 15);
  strm.input = input;
  strm.next_in = 0;
  strm.avail_in = input.length;
  strm.output = out;
  strm.next_out = 0;
  strm.avail_out = out.length;
  let total = 0;
  try {
    for (;;) {
      const from = strm.next_out;
      const status = zlibInflate(strm, constants.Z_NO_FLUSH);
      total += strm.next_out - from;
      if (total > opts.maxBytes) {
        throw new DecodeError(opts.limit.status, 'image_inflates_too_large', `inflates past ${opts.maxBytes} bytes, ${opts.limit.reason}`);
      }
      if (status === constants.Z_STREAM_END) return { length: strm.next_out, total, trailingBytes: strm.avail_in };
      // zlib leaves no message for a dictionary it was not given.
      if (status === constants.Z_NEED_DICT) throw corrupt('its zlib header asks for a preset dictionary', strm.next_in);
      // Z_BUF_ERROR is no progress for want of input or room, both handled below; the rest are damage.
      if (status !== constants.Z_OK && status !== constants.Z_BUF_ERROR) throw corrupt(strm.msg || `zlib status ${status}`, strm.next_in);
      if (strm.avail_out === 0) {
        strm.next_out = 0;
        strm.avail_out = out.length;
      } else if (strm.avail_in === 0) throw truncated(input);
      else if (status === constants.Z_BUF_ERROR) throw corrupt('zlib made no progress', strm.next_in); // never seen: no endless loop either way
    }
  } finally {
    inflateEnd(strm);
  }
}

function inflate(input: Uint8Array, opts: BoundedInflateOptions): Inflated {
  const size = opts.size === 'exact' ? opts.maxBytes : pass(input, opts, new Uint8Array(Math.min(COUNTING_BUFFER, opts.maxBytes + 1))).total;
  // One byte more than allowed: only a stream past the limit would fill it, and pass() refuses
  // that stream first, so nothing in it is ever written over.
  const out = new Uint8Array(size + 1);
  const { length, trailingBytes } = pass(input, opts, out);
  return { bytes: out.subarray(0, length), trailingBytes };
}

/**
 * Inflates `input`, refusing more than `opts.maxBytes` of output. Throws only DecodeError:
 * `opts.limit.status` image_inflates_too_large past the limit, 422 image_truncated when the input
 * ends inside the stream, 422 image_corrupt for anything else deflate or zlib does not allow
 * (with zlib's own reason: "invalid distance too far back", "incorrect data check", ...).
 *
 * @example
 * const { bytes } = inflateBounded(idat, { format: 'zlib', maxBytes: expected, size: 'exact',
 *   what: 'PNG image data', limit: { status: 422, reason: 'what its IHDR declares' } });
 */
export function inflateBounded(input: Uint8Array, opts: BoundedInflateOptions): Inflated {
  try {
    return inflate(input, opts);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    const named = new DecodeError(err.status, err.code, `${opts.what} ${err.message}`);
    named.cause = err;
    throw named;
  }
}
