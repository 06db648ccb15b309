/**
 * What a compressed-frame codec takes and gives back, so decode-dicom can treat every transfer
 * syntax alike: the frame's codestream in, the frame's samples out, in the layout the codec
 * produced (which decode-dicom checks against the image's header before using a pixel).
 */
import type { FrameSplit } from '../encapsulated-pixel-data.js';
import type { ImageHeader, Photometric } from '../image-header.js';
import type { CodecWasm } from './codec-wasm.js';

export interface CodecFrame {
  width: number;
  height: number;
  /** Samples per pixel the codec produced (1 for a luma-only decode of a colour JPEG). */
  components: number;
  /** Precision of the samples in bits, as the codestream states it. */
  bitsPerSample: number;
  /** Samples in row order; with several components, interleaved unless `planar`. */
  samples: Uint8Array | Uint16Array | Int16Array;
  planar?: boolean;
  /** The colour model the samples are in when the codec converted them (e.g. YBR_ICT to RGB). */
  photometric?: Photometric;
  /** Only the luma of a colour frame was decoded (one component standing for three). */
  lumaOnly?: boolean;
}

export interface CodecContext {
  header: ImageHeader;
  /** The wasm modules of the codecs that need them (JPEG-LS, JPEG 2000, HTJ2K). */
  wasm: CodecWasm | undefined;
}

export interface FrameCodec {
  /** The codec family, for messages ("JPEG-LS", "JPEG 2000"). */
  family: string;
  /** How fragments are grouped into frames when the Basic Offset Table is empty. */
  split: FrameSplit;
  decode(codestream: Uint8Array, context: CodecContext): Promise<CodecFrame>;
}

/** JPEG, JPEG-LS (SOI FFD8) and JPEG 2000 / HTJ2K codestreams (SOC FF4F). */
export const startsWithSOI = (b: Uint8Array): boolean => b[0] === 0xff && b[1] === 0xd8;
export const startsWithSOC = (b: Uint8Array): boolean => b[0] === 0xff && b[1] === 0x4f;
