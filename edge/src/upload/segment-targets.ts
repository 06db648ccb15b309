/**
 * What a segment request runs the model on: one frame of each upload (frame 1, or the one
 * `?frame=N` names), or with `?frame=all` every frame of every upload, a multi-frame DICOM (an
 * enhanced CT) expanding into its slices in order. The frame count comes from the header alone,
 * so the limit on slices per request is checked before any pixel is decoded.
 */
import { dicomFrameCount } from '../decode/dicom/index.js';
import { EdgeError } from '../http/edge-error.js';
import { DICOM_MAX_PIXELS } from './decode-upload.js';
import type { UploadedSlice } from './read-slices.js';
import type { FrameOverrides } from '../studies/slice-message.js';
import { withUploadField } from './upload-field-error.js';

export interface SegmentTarget {
  upload: UploadedSlice;
  /** Index of the upload in the request (0 for a raw body). */
  uploadIndex: number;
  /** Frame to segment, from 1. */
  frame: number;
  /**
   * What a DICOM frame has in its functional groups rather than at the file's top level (a
   * study's enhanced CT frames): its Modality LUT for the decoder, its spacing and orientation
   * for the lung mask.
   */
  overrides?: FrameOverrides;
}

/**
 * @example await segmentTargets(slices, 'all', 64, (i) => `file[${i}]`) // [{ upload, uploadIndex: 0, frame: 1 }, { ..., frame: 2 }, ...]
 */
export async function segmentTargets(
  uploads: UploadedSlice[],
  frame: number | 'all',
  maxSlices: number,
  fieldOf: (uploadIndex: number) => string,
): Promise<SegmentTarget[]> {
  if (frame !== 'all') return uploads.map((upload, uploadIndex) => ({ upload, uploadIndex, frame }));
  const targets: SegmentTarget[] = [];
  for (const [uploadIndex, upload] of uploads.entries()) {
    let frames = 1;
    if (upload.format === 'dicom') {
      try {
        frames = await dicomFrameCount(upload.bytes, { maxPixels: DICOM_MAX_PIXELS });
      } catch (err) {
        throw withUploadField(err, fieldOf(uploadIndex));
      }
    }
    if (targets.length + frames > maxSlices) {
      throw new EdgeError(
        413,
        'too_many_slices',
        `frame=all: the uploads hold more than the limit of ${maxSlices} slices per request (${fieldOf(uploadIndex)} has ${frames} frames); ask for fewer frames or send fewer files`,
        { field: 'frame' },
      );
    }
    for (let f = 1; f <= frames; f++) targets.push({ upload, uploadIndex, frame: f });
  }
  return targets;
}
