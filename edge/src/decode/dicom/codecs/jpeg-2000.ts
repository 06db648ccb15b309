/**
 * JPEG 2000 (ISO 15444-1) through OpenJPEG, and High-Throughput JPEG 2000 (15444-15) through
 * OpenJPH: both give colour as interleaved samples after undoing the codestream's RCT/ICT.
 */
import openjpegFactory from '@cornerstonejs/codec-openjpeg/decodewasmjs';
import openjphFactory from '@cornerstonejs/codec-openjph/wasmjs';
import { decodeWithEmbind } from './emscripten-codec.js';
import { startsWithSOC, type CodecFrame, type FrameCodec } from './frame-codec.js';

/** Colour comes out as interleaved RGB (the codestream's component transform undone). */
function colour(frame: CodecFrame): CodecFrame {
  return frame.components === 3 ? { ...frame, photometric: 'RGB' } : frame;
}

export const jpeg2000: FrameCodec = {
  family: 'JPEG 2000',
  split: { startsCodestream: startsWithSOC },
  async decode(codestream, { wasm }) {
    return colour(await decodeWithEmbind(wasm, 'openjpeg', openjpegFactory, { family: 'JPEG 2000', decoder: (c) => c.J2KDecoder }, codestream));
  },
};

export const htj2k: FrameCodec = {
  family: 'HTJ2K',
  split: { startsCodestream: startsWithSOC },
  async decode(codestream, { wasm }) {
    return colour(await decodeWithEmbind(wasm, 'openjph', openjphFactory, { family: 'HTJ2K', decoder: (c) => c.HTJ2KDecoder }, codestream));
  },
};
