/**
 * JPEG baseline (8-bit) and extended (12-bit) DCT frames through the edge's own JPEG decoder
 * (decode/jpeg-luma, which the photo path already uses and tests against libjpeg): it reads the
 * luma plane, which is all a colour frame contributes to the gray slice the model takes.
 */
import { decodeJpegLuma } from '../../jpeg-luma/index.js';
import { startsWithSOI, type FrameCodec } from './frame-codec.js';

export const jpegDct: FrameCodec = {
  family: 'JPEG',
  split: { startsCodestream: startsWithSOI },
  async decode(codestream, { header }) {
    const luma = decodeJpegLuma(codestream, { scale: 1, maxPixels: header.rows * header.columns });
    return { width: luma.width, height: luma.height, components: 1, bitsPerSample: luma.precision, samples: luma.data, lumaOnly: header.samplesPerPixel === 3 };
  },
};
