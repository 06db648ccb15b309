/**
 * A slice's lung mask as the result cache keeps it, beside the probability map: the label image
 * (0 outside, 1 and 2 the two lungs) as a PNG, which for masks is a few KB, and what was found
 * as JSON in the object's metadata. A hit then answers lung figures without decoding the upload
 * again. Runtime-neutral.
 */
import { z } from 'zod';
import type { GrayImage } from '../../../shared/image/gray-image.js';
import { decodePng } from '../decode/png.js';
import { encodeGrayPng } from '../imaging/encode-png.js';
import type { SliceLung } from './slice-lung.js';

const positive = z.number().positive().finite();
const lungLabel = z.union([z.literal(1), z.literal(2)]);

/** What the cache object's `lung` metadata holds (validated on read: a bad entry is a miss). */
export const StoredLungMeta = z.object({
  found: z.boolean(),
  failure: z.string().max(64).optional(),
  method: z.enum(['hounsfield', 'intensity']),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  sides: z.object({ left: lungLabel, right: lungLabel }).optional(),
  /** The spacing of the upload's own pixels (DICOM), which answers are given at; not of the labels. */
  pixelSpacingMm: z.tuple([positive, positive]).optional(),
});
export type StoredLungMeta = z.infer<typeof StoredLungMeta>;

/** The lung mask of one upload at the size it was made (the decoded image's). */
export interface StoredLung extends StoredLungMeta {
  /** width * height labels: 0 outside the lungs, 1 and 2 the two lungs. */
  labels: Uint8Array;
}

export function storedLung(lung: SliceLung): StoredLung {
  const { mask } = lung;
  return {
    found: mask.found,
    ...(mask.failure ? { failure: mask.failure } : {}),
    method: mask.method,
    width: mask.width,
    height: mask.height,
    ...(lung.sides ? { sides: lung.sides } : {}),
    ...(lung.pixelSpacingMm ? { pixelSpacingMm: lung.pixelSpacingMm } : {}),
    labels: mask.labels,
  };
}

/** The label image as a one-channel 8-bit PNG. */
export function encodeLungLabels(lung: StoredLung): Promise<Uint8Array> {
  return encodeGrayPng({ width: lung.width, height: lung.height, data: lung.labels });
}

/** The stored lung back from its metadata and PNG; undefined when either is not what was written. */
export function decodeStoredLung(metaJson: string | undefined, png: Uint8Array): StoredLung | undefined {
  if (!metaJson) return undefined;
  let meta: StoredLungMeta;
  try {
    const parsed = StoredLungMeta.safeParse(JSON.parse(metaJson));
    if (!parsed.success) return undefined;
    meta = parsed.data;
  } catch {
    return undefined;
  }
  let image: GrayImage;
  try {
    const decoded = decodePng(png);
    if (decoded.kind !== 'gray' || decoded.bitDepth !== 8) return undefined;
    image = { width: decoded.width, height: decoded.height, data: decoded.data as Uint8Array };
  } catch {
    return undefined;
  }
  if (image.width !== meta.width || image.height !== meta.height || image.data.some((v) => v > 2)) return undefined;
  return { ...meta, labels: image.data };
}
