/**
 * Types for the part of pako 2 that bounded-inflate drives: its port of zlib's own inflate API
 * (pako/lib/zlib/*, exported by its package.json), which @types/pako does not describe. Only what
 * is used is declared; the names and meanings are zlib's (zlib.h), with `input`/`output` arrays
 * and offsets where zlib has pointers.
 */
declare module 'pako/lib/zlib/zstream.js' {
  /** zlib's z_stream. */
  class ZStream {
    input: Uint8Array | null;
    /** Offset in `input` of the next byte inflate reads. */
    next_in: number;
    avail_in: number;
    output: Uint8Array | null;
    /** Offset in `output` where inflate writes next. */
    next_out: number;
    avail_out: number;
    /** zlib's reason for the last error ("invalid distance too far back"), '' when it gives none. */
    msg: string;
  }
  export = ZStream;
}

declare module 'pako/lib/zlib/inflate.js' {
  import type ZStream from 'pako/lib/zlib/zstream.js';
  /** windowBits 8..15 for a zlib stream (RFC 1950), -8..-15 for raw deflate (RFC 1951). */
  export function inflateInit2(strm: ZStream, windowBits: number): number;
  export function inflate(strm: ZStream, flush: number): number;
  export function inflateEnd(strm: ZStream): number;
}

declare module 'pako/lib/zlib/constants.js' {
  const constants: {
    Z_NO_FLUSH: 0;
    Z_OK: 0;
    Z_STREAM_END: 1;
    Z_NEED_DICT: 2;
    Z_BUF_ERROR: -5;
  };
  export = constants;
}
