/**
 * Which codec decodes which compressed transfer syntax (PS3.5 section 8.2, UIDs from PS3.6
 * table A-1). A compressed syntax missing here keeps its 415 naming it.
 */
import type { FrameCodec } from './frame-codec.js';
import { htj2k, jpeg2000 } from './jpeg-2000.js';
import { jpegDct } from './jpeg-dct.js';
import { jpegLossless } from './jpeg-lossless.js';
import { jpegLs } from './jpeg-ls.js';
import { rleLossless } from './rle-lossless.js';

const CODECS = new Map<string, FrameCodec>([
  ['1.2.840.10008.1.2.5', rleLossless],
  ['1.2.840.10008.1.2.4.50', jpegDct],
  ['1.2.840.10008.1.2.4.51', jpegDct],
  ['1.2.840.10008.1.2.4.57', jpegLossless],
  ['1.2.840.10008.1.2.4.70', jpegLossless],
  ['1.2.840.10008.1.2.4.80', jpegLs],
  ['1.2.840.10008.1.2.4.81', jpegLs],
  ['1.2.840.10008.1.2.4.90', jpeg2000],
  ['1.2.840.10008.1.2.4.91', jpeg2000],
  ['1.2.840.10008.1.2.4.201', htj2k],
  ['1.2.840.10008.1.2.4.202', htj2k],
  ['1.2.840.10008.1.2.4.203', htj2k],
]);

/** @example codecFor('1.2.840.10008.1.2.4.80') // jpegLs */
export function codecFor(transferSyntaxUID: string): FrameCodec | undefined {
  return CODECS.get(transferSyntaxUID);
}

