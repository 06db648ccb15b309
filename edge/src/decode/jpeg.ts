/**
 * JPEG uploads to one upright 8-bit gray image. The frame size is read from the SOF header and
 * refused before decoding; then only the luma is decoded (jpeg-luma/), at the largest DCT-domain
 * scale (1/1, 1/2, 1/4, 1/8) whose output fits JPEG_MAX_DECODED_PIXELS, so a 12 MP phone photo
 * costs a few MB in the 128 MB isolate instead of the ~250 MB of a full colour decode. The model
 * sees 352x352, so a 2000x1500 luma plane loses nothing it could use. Runtime-neutral.
 */
import { DEFAULT_MAX_PIXELS, DecodeError, type DecodedImage } from './decoded-image.js';
import { decodeJpegLuma, type ScaleDenominator } from './jpeg-luma/index.js';
import { applyOrientation, jpegDimensions, readExifOrientation } from './jpeg-orientation.js';

export interface JpegDecodeOptions {
  /** Refuse (413) when width * height exceeds this. Default DEFAULT_MAX_PIXELS. */
  maxPixels?: number;
  /** Decode at 1/2, 1/4 or 1/8 scale until the output has at most this many pixels. Default JPEG_MAX_DECODED_PIXELS. */
  maxDecodedPixels?: number;
}

/**
 * 2048 x 2048: a 2000x2000 CT slice still decodes at full size, a 12 MP (4000x3000) photo at 1/2
 * (2000x1500), a 40 MP one at 1/4. The output plane is then at most 4 MiB, and a progressive
 * file's kept coefficients at most ~2 bytes per output pixel plus 8 bytes per 8x8 block.
 */
export const JPEG_MAX_DECODED_PIXELS = 2048 * 2048;

/**
 * The largest scale (smallest denominator) whose output, ceil(side / d) each way, fits
 * `maxDecodedPixels`; 8 when none does.
 *
 * @example
 * jpegDecodeScale(4000, 3000, JPEG_MAX_DECODED_PIXELS); // 2
 */
export function jpegDecodeScale(width: number, height: number, maxDecodedPixels: number): ScaleDenominator {
  for (const d of [1, 2, 4] as const) if (Math.ceil(width / d) * Math.ceil(height / d) <= maxDecodedPixels) return d;
  return 8;
}

/**
 * Decodes a baseline or progressive JPEG to 8-bit gray and turns it upright by its EXIF
 * Orientation. Gray is the file's own luma: the samples of a gray JPEG, the Y of a YCbCr one
 * (ITU-R BT.601 luma, what an RGB-to-gray conversion of the decoded colours gives up to rounding
 * and clipping). Large files come back at reduced scale with `sourceWidth`/`sourceHeight` set to
 * the upload's upright size. Throws only DecodeError: 413 image_too_large, 415
 * unsupported_image_kind (lossless, arithmetic, 12-bit, RGB, CMYK, 2-component), 422
 * image_dimensions_invalid / image_corrupt / image_truncated.
 *
 * @example
 * const image = decodeJpeg(bytes, { maxPixels: 4_000_000 });
 */
export function decodeJpeg(bytes: Uint8Array, opts: JpegDecodeOptions = {}): DecodedImage {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const header = jpegDimensions(bytes);
  const { width, height } = header;
  if (width === 0 || height === 0) {
    // Height 0 defers it to a DNL marker (T.81 B.2.2), which no camera writes and we do not read.
    throw new DecodeError(422, 'image_dimensions_invalid', `JPEG frame header claims ${width}x${height}; each side must be 1..65535`);
  }
  if (width * height > maxPixels) {
    throw new DecodeError(413, 'image_too_large', `JPEG is ${width}x${height} = ${width * height} pixels; the limit is ${maxPixels}`);
  }
  if (header.precision !== 8) {
    throw new DecodeError(415, 'unsupported_image_kind', `JPEG with ${header.precision}-bit samples is not supported; send 8-bit JPEG or PNG`);
  }
  const scale = jpegDecodeScale(width, height, opts.maxDecodedPixels ?? JPEG_MAX_DECODED_PIXELS);
  const luma = decodeJpegLuma(bytes, { scale, maxPixels });
  // The frame header said 8 bits above; a second SOF saying otherwise is refused by the decoder.
  if (!(luma.data instanceof Uint8Array)) throw new DecodeError(415, 'unsupported_image_kind', 'JPEG with 12-bit samples is not supported; send 8-bit JPEG or PNG');
  const orientation = readExifOrientation(bytes);
  const upright = applyOrientation({ width: luma.width, height: luma.height, data: luma.data }, orientation);
  const image: DecodedImage = { kind: 'gray', width: upright.width, height: upright.height, data: upright.data, bitDepth: 8 };
  if (scale === 1) return image;
  const swap = orientation >= 5; // 5..8 turn the image a quarter
  return { ...image, sourceWidth: swap ? height : width, sourceHeight: swap ? width : height };
}
