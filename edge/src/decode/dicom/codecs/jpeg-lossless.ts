/** JPEG lossless, process 14 with any predictor (SV1 included), 2 to 16 bits, through jpeg-lossless-decoder-js (plain JS, what Cornerstone uses). */
import { Decoder } from 'jpeg-lossless-decoder-js';
import { DecodeError } from '../../decoded-image.js';
import { startsWithSOI, type FrameCodec } from './frame-codec.js';

export const jpegLossless: FrameCodec = {
  family: 'JPEG Lossless',
  split: { startsCodestream: startsWithSOI },
  async decode(codestream, { header }) {
    const decoder = new Decoder();
    let samples: Uint8Array | Uint16Array;
    try {
      // Copied: the decoder reads an ArrayBuffer from its start (new Uint8Array copies, where a
      // Node Buffer's slice() would be a view into a larger pool).
      samples = decoder.decode(new Uint8Array(codestream).buffer, 0, codestream.length, header.bitsAllocated / 8);
    } catch (err) {
      throw new DecodeError(422, 'codestream_corrupt', `the JPEG Lossless codestream could not be decoded: ${err instanceof Error ? err.message : String(err)}`);
    }
    const frame = decoder.frame;
    return { width: frame.dimX, height: frame.dimY, components: decoder.numComp, bitsPerSample: frame.precision, samples };
  },
};
