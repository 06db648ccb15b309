/**
 * JPEG uploads to one upright 8-bit gray image. The frame size is read from the SOF header and
 * refused before decoding, the marker structure is walked to EOI (jpeg-js decodes a file cut
 * short into a half-gray image without complaint), and jpeg-js runs under a memory budget of
 * its own so a file that lies about itself still cannot exhaust the 128 MB isolate.
 * Runtime-neutral (Web APIs only; jpeg-js with useTArray never touches Buffer).
 */
import jpeg from 'jpeg-js';
import { DEFAULT_MAX_PIXELS, DecodeError, type DecodedImage } from './decoded-image.js';
import { applyOrientation, jpegDimensions, readExifOrientation, walkJpegSegments } from './jpeg-orientation.js';

export interface JpegDecodeOptions {
  /** Refuse (413) when width * height exceeds this. Default DEFAULT_MAX_PIXELS. */
  maxPixels?: number;
  /** jpeg-js's own allocation budget in MiB (its maxMemoryUsageInMB). Default JPEG_DECODER_MEMORY_MB. */
  maxDecoderMemoryMB?: number;
}

/**
 * jpeg-js counts 256 bytes per 8x8 block per component, the component lines, its interleaved
 * output and our 3-channel copy: about 9 bytes a pixel for gray, 13.5 for 4:2:0 colour, 21 for
 * 4:4:4. The real heap is about 2.2x what it counts (one Int32Array object per block; measured on
 * 2000x2000 slices: 36 MB counted, 82 MB used), so 40 MiB keeps it under ~90 MB. It admits a
 * 2000x2000 gray slice, about 3M pixels of 4:2:0 colour, 2M of 4:4:4.
 */
export const JPEG_DECODER_MEMORY_MB = 40;

/** jpeg-js's worst count per pixel (3 components, no subsampling): 12 blocks + 3 lines + 3 + 3. */
const WORST_BYTES_PER_PIXEL = 21;

/** ITU-R BT.601 luma exactly as PIL's convert('L') (same formula as png.ts). */
const luma = (r: number, g: number, b: number): number => (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;

/** jpeg-js throws plain Errors; its limit messages mean "too large", anything else "damaged". */
function fromJpegJs(err: unknown): DecodeError {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof RangeError || /maxMemoryUsageInMB|maxResolutionInMP|allocate enough memory/.test(message)) {
    return new DecodeError(413, 'image_too_large', `JPEG needs more memory to decode than the edge allows (${message})`);
  }
  return new DecodeError(422, 'image_corrupt', `JPEG could not be decoded: ${message}`);
}

/**
 * Decodes a baseline or progressive JPEG to 8-bit gray (BT.601 luma for colour files; a gray
 * JPEG's samples pass through unchanged) and turns it upright by its EXIF Orientation.
 * Throws only DecodeError: 413 image_too_large, 415 unsupported_image_kind (lossless,
 * arithmetic, 12-bit, 2-component), 422 image_dimensions_invalid / image_corrupt / image_truncated.
 *
 * @example
 * const image = decodeJpeg(bytes, { maxPixels: 4_000_000 });
 */
export function decodeJpeg(bytes: Uint8Array, opts: JpegDecodeOptions = {}): DecodedImage {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const header = jpegDimensions(bytes);
  const { width, height } = header;
  if (width === 0 || height === 0) {
    // Height 0 defers it to a DNL marker (T.81 B.2.2), which jpeg-js does not read.
    throw new DecodeError(422, 'image_dimensions_invalid', `JPEG frame header claims ${width}x${height}; each side must be 1..65535`);
  }
  if (width * height > maxPixels) {
    throw new DecodeError(413, 'image_too_large', `JPEG is ${width}x${height} = ${width * height} pixels; the limit is ${maxPixels}`);
  }
  if (header.precision !== 8) {
    throw new DecodeError(415, 'unsupported_image_kind', `JPEG with ${header.precision}-bit samples is not supported; send 8-bit JPEG or PNG`);
  }
  if (header.components !== 1 && header.components !== 3 && header.components !== 4) {
    throw new DecodeError(415, 'unsupported_image_kind', `JPEG with ${header.components} colour components is not supported`);
  }
  const walk = walkJpegSegments(bytes, () => false);
  if (walk.end === 'truncated') throw new DecodeError(422, 'image_truncated', walk.message);
  if (walk.end === 'corrupt') throw new DecodeError(422, 'image_corrupt', walk.message);

  const budgetMB = Math.max(1, Math.min(opts.maxDecoderMemoryMB ?? JPEG_DECODER_MEMORY_MB, Math.ceil((maxPixels * WORST_BYTES_PER_PIXEL) / 2 ** 20)));
  let rgb: { width: number; height: number; data: Uint8Array };
  try {
    rgb = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      // Tolerant mode only skips blocks that fall outside the frame (restart intervals that do
      // not divide it); truncation is caught by the walk above.
      tolerantDecoding: true,
      maxResolutionInMP: maxPixels / 1e6,
      maxMemoryUsageInMB: budgetMB,
    });
  } catch (err) {
    throw fromJpegJs(err);
  }
  if (rgb.width !== width || rgb.height !== height || rgb.data.length < width * height * 3) {
    throw new DecodeError(422, 'image_corrupt', `JPEG decoded to ${rgb.width}x${rgb.height}, but its first frame header says ${width}x${height}`);
  }
  const src = rgb.data;
  const gray = new Uint8Array(width * height);
  for (let i = 0, p = 0; i < gray.length; i++, p += 3) gray[i] = luma(src[p]!, src[p + 1]!, src[p + 2]!);
  const upright = applyOrientation({ width, height, data: gray }, readExifOrientation(bytes));
  return { kind: 'gray', width: upright.width, height: upright.height, data: upright.data, bitDepth: 8 };
}
