/**
 * Decodes a DICOM Part 10 upload (PS3.10) into the one gray image the segmentation model takes:
 * native transfer syntaxes (implicit/explicit VR, little/big endian, deflated), the first frame,
 * monochrome in real-world units, colour as luminance. Runtime-neutral (Web APIs only), so it
 * runs in workerd and Node alike. Async by contract (callers await it); inflating a deflated
 * dataset is synchronous and bounded (bounded-inflate).
 */
import { DEFAULT_MAX_PIXELS, DecodeError, type DecodedImage } from '../decoded-image.js';
import { Attributes, Tag, WANTED_TAGS, describeTag } from './attributes.js';
import { ByteReader } from './byte-reader.js';
import { decodePixels, frameByteLength } from './decode-pixels.js';
import { UNDEFINED_LENGTH } from './element-header.js';
import { readFileMeta } from './file-meta.js';
import { readImageHeader } from './image-header.js';
import { openDataset } from './open-dataset.js';
import { parseDataset } from './parse-dataset.js';

export interface DecodeDicomOptions {
  /** Refuse (413) images whose Rows x Columns x NumberOfFrames exceeds this; default DEFAULT_MAX_PIXELS. */
  maxPixels?: number;
}

/**
 * Decodes the first frame of a DICOM file. Every problem with the file is a DecodeError: 415 for
 * non-DICOM input and compressed transfer syntaxes, 413 past `maxPixels` (checked from the header,
 * before any pixel is touched), 422 for damaged files and images that are not a slice (no pixel
 * data, segmentations, unsupported sample layouts).
 * @example
 * const image = await decodeDicom(new Uint8Array(await request.arrayBuffer()));
 * if (image.kind === 'hounsfield') window(image.data, image.fileWindow ?? { center: -600, width: 1500 });
 */
export async function decodeDicom(bytes: Uint8Array, opts: DecodeDicomOptions = {}): Promise<DecodedImage> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1) throw new RangeError(`maxPixels must be a positive integer, got ${maxPixels}`);
  try {
    return await decode(bytes, maxPixels);
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    // A path the checks above missed: still the file's fault as far as the caller can tell.
    const wrapped = new DecodeError(422, 'image_corrupt', `the DICOM file could not be read: ${err instanceof Error ? err.message : String(err)}`);
    wrapped.cause = err;
    throw wrapped;
  }
}

async function decode(bytes: Uint8Array, maxPixels: number): Promise<DecodedImage> {
  if (bytes.length === 0) throw new DecodeError(415, 'unsupported_media_type', 'the upload is empty, not a DICOM file');
  const file = new ByteReader(bytes, true);
  const { reader, start, encoding } = openDataset(file, readFileMeta(file), maxPixels);
  const dataset = parseDataset(reader, start, encoding, WANTED_TAGS);

  const pixelData = dataset.pixelData;
  if (!pixelData) {
    const floatTag = [Tag.FloatPixelData, Tag.DoubleFloatPixelData].find((tag) => dataset.elements.has(tag));
    if (floatTag !== undefined) {
      throw new DecodeError(422, 'unsupported_image_kind', `the image is in ${describeTag(floatTag)}; only integer Pixel Data is decoded here`);
    }
    throw new DecodeError(422, 'no_pixel_data', `the dataset has no ${describeTag(Tag.PixelData)}: it is not an image (e.g. an RT plan or a report)`);
  }
  if (pixelData.length === UNDEFINED_LENGTH) {
    throw new DecodeError(
      422,
      'image_corrupt',
      `${describeTag(Tag.PixelData)} has an undefined length (compressed fragments), but the transfer syntax is uncompressed`,
    );
  }

  const header = readImageHeader(new Attributes(reader, dataset.elements), maxPixels);
  const needed = frameByteLength(header);
  if (pixelData.length < needed) {
    throw new DecodeError(
      422,
      'image_truncated',
      `${describeTag(Tag.PixelData)} holds ${pixelData.length} bytes; one ${header.columns}x${header.rows} frame of ` +
        `${header.samplesPerPixel} x ${header.bitsAllocated}-bit samples needs ${needed}`,
    );
  }
  const pixels = reader.slice(pixelData.valueOffset, pixelData.length, describeTag(Tag.PixelData));
  return decodePixels(pixels, header, {
    littleEndian: encoding.littleEndian,
    swapBytePairs: !encoding.littleEndian && pixelData.vr === 'OW' && header.bitsAllocated === 8,
  });
}
