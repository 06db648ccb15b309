/**
 * What every upload decoder returns: one gray image with its full precision kept (8- or 16-bit
 * PNG samples, or DICOM pixels already in Hounsfield units), plus how to map it to the 8-bit
 * slice the model takes. Runtime-neutral: Web APIs only (workerd and Node).
 */
import { ProblemError } from '../../../shared/problem-error.js';

export type DecodedImage =
  | {
      kind: 'gray';
      width: number;
      height: number;
      /** Samples as stored: 8-bit (Uint8Array) or 16-bit (Uint16Array), not truncated. */
      data: Uint8Array | Uint16Array;
      bitDepth: 8 | 16;
      /**
       * The upload's own upright size, set only when `data` was decoded at reduced scale (a large
       * JPEG decoded in the DCT domain at 1/2, 1/4 or 1/8); absent when width x height is the
       * upload's size. Answers (masks) are given at this size, so they line up with the upload.
       */
      sourceWidth?: number;
      sourceHeight?: number;
    }
  | {
      kind: 'hounsfield';
      width: number;
      height: number;
      /** Pixel values after RescaleSlope/Intercept (HU for CT). */
      data: Float32Array;
      /** The file's own VOI window when it has one (WindowCenter/WindowWidth). */
      fileWindow?: { center: number; width: number };
      /** MONOCHROME1 (higher values darker): invert after windowing. */
      invert: boolean;
    };

export type DecodeErrorCode =
  | 'unsupported_media_type'
  | 'unsupported_transfer_syntax'
  | 'image_too_large'
  | 'image_dimensions_invalid'
  | 'image_truncated'
  | 'image_corrupt'
  /**
   * Compressed data inflating past what the file allows: a PNG's IDAT past what its IHDR declares
   * (422: the file contradicts itself), a deflated DICOM dataset past what any image within the
   * pixel cap needs (413). Decompression bombs end here, after at most that many bytes.
   */
  | 'image_inflates_too_large'
  | 'no_pixel_data'
  | 'unsupported_image_kind'
  /** Encapsulated pixel data whose items are malformed (PS3.5 A.4): not a codec's problem. */
  | 'encapsulation_corrupt'
  /** A compressed frame cut short: no end-of-codestream marker, or a fragment past the file's end. */
  | 'codestream_truncated'
  /** A codec refused the frame's codestream. */
  | 'codestream_corrupt'
  /** A frame decoded to something other than the header says (size, samples, bit depth). */
  | 'codestream_mismatch'
  /** Fewer frames in the pixel data than NumberOfFrames says. */
  | 'frame_missing'
  /** A frame asked for past the image's last (or past the first of a PNG or JPEG). */
  | 'frame_out_of_range'
  /** More frames in the pixel data than NumberOfFrames says. */
  | 'frame_count_mismatch';

/**
 * Thrown by decoders: a ProblemError whose `status` is what the edge answers with (415 for
 * formats and transfer syntaxes we do not decode, 413 for the pixel cap, 422 for damaged or
 * unusable files) and whose `code` is the machine-readable problem code.
 */
export class DecodeError extends ProblemError {
  override name = 'DecodeError';
  constructor(
    override readonly status: 413 | 415 | 422,
    override readonly code: DecodeErrorCode,
    message: string,
  ) {
    super(status, code, message);
  }
}

/** The isolate has 128 MB: refuse pixel counts beyond this before allocating anything. */
export const DEFAULT_MAX_PIXELS = 40_000_000;
