/** JPEG-LS lossless and near-lossless (ISO 14495-1) through CharLS, the reference-grade decoder DICOM toolkits use. */
import charlsFactory from '@cornerstonejs/codec-charls/decodewasmjs';
import { decodeWithEmbind } from './emscripten-codec.js';
import { startsWithSOI, type FrameCodec } from './frame-codec.js';

export const jpegLs: FrameCodec = {
  family: 'JPEG-LS',
  split: { startsCodestream: startsWithSOI },
  async decode(codestream, { header, wasm }) {
    const frame = await decodeWithEmbind(wasm, 'charls', charlsFactory, { family: 'JPEG-LS', decoder: (c) => c.JpegLSDecoder }, codestream);
    // CharLS gives colour sample-interleaved (its default output), whatever the scan's interleave.
    return { ...frame, samples: header.signed && frame.samples instanceof Uint16Array ? new Int16Array(frame.samples.buffer) : frame.samples };
  },
};
