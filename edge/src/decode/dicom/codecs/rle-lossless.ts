/**
 * RLE Lossless (PS3.5 annex G), written here because it is a page of the standard and no
 * maintained standalone package decodes it: a 64-byte header of up to 15 segment offsets, then
 * one PackBits-coded segment per byte plane of each sample, most significant byte first.
 */
import { DecodeError } from '../../decoded-image.js';
import type { CodecContext, CodecFrame, FrameCodec } from './frame-codec.js';

const HEADER_BYTES = 64;
const MAX_SEGMENTS = 15;

function decodeRle(codestream: Uint8Array, { header }: CodecContext): CodecFrame {
  const bytesPerSample = header.bitsAllocated / 8;
  const planes = header.samplesPerPixel * bytesPerSample;
  if (codestream.length < HEADER_BYTES) {
    throw new DecodeError(422, 'codestream_truncated', `the RLE frame is ${codestream.length} bytes, shorter than its ${HEADER_BYTES}-byte header`);
  }
  const view = new DataView(codestream.buffer, codestream.byteOffset, codestream.byteLength);
  const segments = view.getUint32(0, true);
  if (segments !== planes || segments > MAX_SEGMENTS) {
    throw new DecodeError(
      422,
      'codestream_corrupt',
      `the RLE header names ${segments} segment(s); ${header.samplesPerPixel} sample(s) of ${header.bitsAllocated} bits need ${planes}`,
    );
  }
  const offsets = Array.from({ length: segments }, (_, i) => view.getUint32(4 + 4 * i, true));
  offsets.forEach((offset, i) => {
    if (offset < HEADER_BYTES || offset > codestream.length || (i > 0 && offset < offsets[i - 1]!)) {
      throw new DecodeError(422, 'codestream_corrupt', `RLE segment ${i + 1} starts at ${offset}, outside the frame's ${codestream.length} bytes or before the segment ahead of it`);
    }
  });

  const pixels = header.rows * header.columns;
  const plane = new Uint8Array(pixels);
  const out = bytesPerSample === 1 ? new Uint8Array(pixels * header.samplesPerPixel) : new Uint16Array(pixels * header.samplesPerPixel);
  for (let s = 0; s < segments; s++) {
    unpackBits(codestream, offsets[s]!, offsets[s + 1] ?? codestream.length, plane, s + 1);
    const sample = Math.floor(s / bytesPerSample);
    // Segments of one sample come most significant byte first; samples are separate planes.
    const shift = 8 * (bytesPerSample - 1 - (s % bytesPerSample));
    const base = sample * pixels;
    for (let i = 0; i < pixels; i++) out[base + i]! |= plane[i]! << shift;
  }
  return { width: header.columns, height: header.rows, components: header.samplesPerPixel, bitsPerSample: header.bitsStored, samples: out, planar: header.samplesPerPixel > 1 };
}

/** PackBits: a header byte n >= 0 copies n+1 literal bytes, n in -127..-1 repeats the next byte 1-n times, -128 is nothing. */
function unpackBits(src: Uint8Array, start: number, end: number, out: Uint8Array, segment: number): void {
  let at = start;
  let written = 0;
  while (written < out.length) {
    if (at >= end) {
      throw new DecodeError(422, 'codestream_truncated', `RLE segment ${segment} ends after ${written} of its ${out.length} bytes`);
    }
    const n = (src[at++]! << 24) >> 24;
    if (n >= 0) {
      const count = Math.min(n + 1, out.length - written);
      if (at + count > end) throw new DecodeError(422, 'codestream_truncated', `RLE segment ${segment} ends inside a literal run`);
      out.set(src.subarray(at, at + count), written);
      at += n + 1;
      written += count;
    } else if (n !== -128) {
      if (at >= end) throw new DecodeError(422, 'codestream_truncated', `RLE segment ${segment} ends inside a repeat run`);
      const count = Math.min(1 - n, out.length - written);
      out.fill(src[at++]!, written, written + count);
      written += count;
    }
  }
}

export const rleLossless: FrameCodec = {
  family: 'RLE',
  split: { oneFragmentPerFrame: true },
  decode: async (codestream, context) => decodeRle(codestream, context),
};
