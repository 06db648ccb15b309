/**
 * Decodes a DICOM Part 10 upload (PS3.10) into the one gray image the segmentation model takes:
 * native transfer syntaxes (implicit/explicit VR, little/big endian, deflated) and compressed ones
 * with a codec (codecs/frame-codecs.ts: RLE, JPEG baseline/extended/lossless, JPEG-LS, JPEG 2000,
 * HTJ2K), one frame (the first unless told), monochrome in real-world units, colour as luminance.
 * Runtime-neutral (Web APIs only), so it runs in workerd and Node alike; the wasm codecs' modules
 * come from the caller (codecs/codec-wasm.ts), since each runtime gets them its own way.
 */
import { DEFAULT_MAX_PIXELS, DecodeError, type DecodedImage } from '../decoded-image.js';
import { Attributes, Tag, WANTED_TAGS, describeTag } from './attributes.js';
import { ByteReader } from './byte-reader.js';
import type { CodecWasm } from './codecs/codec-wasm.js';
import type { FrameCodec } from './codecs/frame-codec.js';
import { decodeCompressedFrame } from './decode-compressed-frame.js';
import { decodePixels, frameByteLength } from './decode-pixels.js';
import { UNDEFINED_LENGTH, type ElementHeader } from './element-header.js';
import { readFileMeta } from './file-meta.js';
import { readImageHeader, type ImageHeader } from './image-header.js';
import { readSliceGeometry, type SliceGeometry } from './slice-geometry.js';
import { openDataset } from './open-dataset.js';
import { parseDataset } from './parse-dataset.js';
import type { DatasetEncoding } from './transfer-syntax.js';

export interface DecodeDicomOptions {
  /** Refuse (413) images whose Rows x Columns x NumberOfFrames exceeds this; default DEFAULT_MAX_PIXELS. */
  maxPixels?: number;
  /** Which frame of a multi-frame image, from 0; default 0. One past the last is 422 frame_out_of_range. */
  frame?: number;
  /** The wasm codecs' modules (JPEG-LS, JPEG 2000, HTJ2K); without them those syntaxes cannot be decoded. */
  wasm?: CodecWasm;
  /**
   * The frame's own Modality LUT, in place of the top-level Rescale Slope/Intercept: enhanced CT
   * keeps it per frame in the functional groups, which this decoder does not walk.
   */
  rescale?: { slope: number; intercept: number };
}

/** A decoded frame, how many the file holds, and the slice's geometry (for the lung mask). */
export type DecodedDicom = DecodedImage & { frames: number; geometry: SliceGeometry };

/**
 * Decodes one frame of a DICOM file. Every problem with the file is a DecodeError: 415 for
 * non-DICOM input and compressed transfer syntaxes without a codec, 413 past `maxPixels`
 * (checked from the header, before any pixel is touched), 422 for damaged files, damaged
 * codestreams and images that are not a slice (no pixel data, segmentations, unsupported sample
 * layouts).
 * @example
 * const image = await decodeDicom(new Uint8Array(await request.arrayBuffer()), { wasm: workerdCodecWasm });
 * if (image.kind === 'hounsfield') window(image.data, image.fileWindow ?? DEFAULT_LUNG_WINDOW);
 */
export async function decodeDicom(bytes: Uint8Array, opts: DecodeDicomOptions = {}): Promise<DecodedDicom> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const frame = opts.frame ?? 0;
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1) throw new RangeError(`maxPixels must be a positive integer, got ${maxPixels}`);
  if (!Number.isSafeInteger(frame) || frame < 0) throw new RangeError(`frame must be a non-negative integer, got ${frame}`);
  const rescale = opts.rescale;
  if (rescale && !(Number.isFinite(rescale.slope) && Number.isFinite(rescale.intercept))) throw new RangeError('rescale: slope and intercept must be finite');
  return guarded(() => decode(bytes, maxPixels, frame, opts.wasm, rescale));
}

/** Every failure as a DecodeError: a path the checks missed is still the file's fault as far as the caller can tell. */
async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    const wrapped = new DecodeError(422, 'image_corrupt', `the DICOM file could not be read: ${err instanceof Error ? err.message : String(err)}`);
    wrapped.cause = err;
    throw wrapped;
  }
}

/**
 * How many frames a DICOM file holds (NumberOfFrames, 1 when absent), read from its header
 * without touching a pixel; the same DecodeErrors as decodeDicom for a file that is not an image.
 * @example for (let f = 0; f < await dicomFrameCount(bytes); f++) await decodeDicom(bytes, { frame: f, wasm })
 */
export async function dicomFrameCount(bytes: Uint8Array, opts: Pick<DecodeDicomOptions, 'maxPixels'> = {}): Promise<number> {
  return (await openDicomImage(bytes, opts)).header.frames;
}

/** A DICOM image opened and its header checked, no pixel touched yet. */
export interface OpenImage {
  reader: ByteReader;
  encoding: DatasetEncoding;
  codec: FrameCodec | undefined;
  pixelData: ElementHeader;
  header: ImageHeader;
  /** The top-level attributes the walker remembered (WANTED_TAGS), for readers of more than the image header. */
  attributes: Attributes;
  /** The file meta's Transfer Syntax UID; absent for files without one (their encoding was sniffed). */
  transferSyntaxUID: string | undefined;
}

/**
 * Opens a DICOM image as decodeDicom does, up to its checked header, with the same DecodeErrors;
 * for readers that want the header alone (a study's instance headers).
 * @example const { header, attributes } = await openDicomImage(bytes, { maxPixels: DICOM_MAX_PIXELS });
 */
export async function openDicomImage(bytes: Uint8Array, opts: Pick<DecodeDicomOptions, 'maxPixels'> = {}): Promise<OpenImage> {
  return guarded(async () => openImage(bytes, opts.maxPixels ?? DEFAULT_MAX_PIXELS));
}

function openImage(bytes: Uint8Array, maxPixels: number): OpenImage {
  if (bytes.length === 0) throw new DecodeError(415, 'unsupported_media_type', 'the upload is empty, not a DICOM file');
  const file = new ByteReader(bytes, true);
  const meta = readFileMeta(file);
  const { reader, start, encoding, codec } = openDataset(file, meta, maxPixels);
  const dataset = parseDataset(reader, start, encoding, WANTED_TAGS);

  const pixelData = dataset.pixelData;
  if (!pixelData) {
    const floatTag = [Tag.FloatPixelData, Tag.DoubleFloatPixelData].find((tag) => dataset.elements.has(tag));
    if (floatTag !== undefined) {
      throw new DecodeError(422, 'unsupported_image_kind', `the image is in ${describeTag(floatTag)}; only integer Pixel Data is decoded here`);
    }
    throw new DecodeError(422, 'no_pixel_data', `the dataset has no ${describeTag(Tag.PixelData)}: it is not an image (e.g. an RT plan or a report)`);
  }
  const attributes = new Attributes(reader, dataset.elements);
  const header = readImageHeader(attributes, maxPixels, codec !== undefined);
  return { reader, encoding, codec, pixelData, header, attributes, transferSyntaxUID: meta.transferSyntaxUID };
}

async function decode(bytes: Uint8Array, maxPixels: number, frame: number, wasm: CodecWasm | undefined, rescale: DecodeDicomOptions['rescale']): Promise<DecodedDicom> {
  const opened = openImage(bytes, maxPixels);
  const { reader, encoding, codec, pixelData, attributes } = opened;
  const monochrome = opened.header.photometric === 'MONOCHROME1' || opened.header.photometric === 'MONOCHROME2';
  const header = rescale && monochrome ? { ...opened.header, rescaleSlope: rescale.slope, rescaleIntercept: rescale.intercept } : opened.header;
  const geometry = readSliceGeometry(attributes);
  if (frame >= header.frames) {
    throw new DecodeError(422, 'frame_out_of_range', `frame ${frame + 1} was asked for, but the image has ${header.frames} frame(s)`);
  }
  if (codec) {
    if (pixelData.length !== UNDEFINED_LENGTH) {
      throw new DecodeError(
        422,
        'encapsulation_corrupt',
        `the transfer syntax is compressed (${codec.family}), but ${describeTag(Tag.PixelData)} has a defined length instead of fragments`,
      );
    }
    const image = await decodeCompressedFrame(reader, pixelData.valueOffset, header, frame, codec, wasm);
    return { ...image, frames: header.frames, geometry };
  }

  if (pixelData.length === UNDEFINED_LENGTH) {
    throw new DecodeError(
      422,
      'image_corrupt',
      `${describeTag(Tag.PixelData)} has an undefined length (compressed fragments), but the transfer syntax is uncompressed`,
    );
  }
  const frameBytes = frameByteLength(header);
  const needed = frameBytes * (frame + 1);
  if (pixelData.length < needed) {
    throw new DecodeError(
      422,
      frame === 0 ? 'image_truncated' : 'frame_missing',
      `${describeTag(Tag.PixelData)} holds ${pixelData.length} bytes; ` +
        (frame === 0 ? `one ${header.columns}x${header.rows} frame of ` : `${frame + 1} ${header.columns}x${header.rows} frames of `) +
        `${header.samplesPerPixel} x ${header.bitsAllocated}-bit samples need${frame === 0 ? 's' : ''} ${needed}`,
    );
  }
  const pixels = reader.slice(pixelData.valueOffset + frameBytes * frame, frameBytes, describeTag(Tag.PixelData));
  const image = decodePixels(pixels, header, {
    littleEndian: encoding.littleEndian,
    swapBytePairs: !encoding.littleEndian && pixelData.vr === 'OW' && header.bitsAllocated === 8,
  });
  return { ...image, frames: header.frames, geometry };
}
