/**
 * One place that picks the decoder for an upload and the pixel cap for its format. DICOM gets a
 * lower cap than the 8-bit formats because its pixels become Float32 Hounsfield units (4 bytes
 * each: 16 M pixels are already 64 MB of the isolate's 128 MB).
 */
import type { CodecWasm } from '../decode/dicom/codecs/codec-wasm.js';
import { decodeDicom } from '../decode/dicom/index.js';
import { DecodeError, type DecodedImage } from '../decode/decoded-image.js';
import { decodeJpeg } from '../decode/jpeg.js';
import { decodePng } from '../decode/png.js';
import type { SliceGeometry } from '../decode/dicom/slice-geometry.js';
import type { UploadedSlice } from './read-slices.js';

export const DICOM_MAX_PIXELS = 16_000_000;

/** A decoded upload; DICOM adds its slice geometry (modality, spacing, orientation) for the lung mask. */
export type DecodedUpload = DecodedImage & { geometry?: SliceGeometry };

/**
 * Decodes one classified upload; every failure is a DecodeError (413/415/422). `wasm` is how this
 * runtime gets the DICOM codecs' modules (the edge: codec-wasm.workerd.ts; Node: codec-wasm.node.ts).
 * `frame` (from 0, default 0) picks a frame of a multi-frame DICOM; PNG and JPEG have only frame 0.
 * `rescale` overrides a DICOM's top-level Rescale Slope/Intercept (a frame's own Modality LUT).
 */
export async function decodeUpload(slice: UploadedSlice, wasm: CodecWasm, frame = 0, rescale?: { slope: number; intercept: number }): Promise<DecodedUpload> {
  if (frame > 0 && slice.format !== 'dicom') {
    throw new DecodeError(422, 'frame_out_of_range', `frame ${frame + 1} was asked for, but a ${slice.format.toUpperCase()} upload has one frame`);
  }
  switch (slice.format) {
    case 'png':
      return decodePng(slice.bytes);
    case 'jpeg':
      return decodeJpeg(slice.bytes);
    case 'dicom':
      return decodeDicom(slice.bytes, { maxPixels: DICOM_MAX_PIXELS, wasm, frame, ...(rescale ? { rescale } : {}) });
  }
}
