/**
 * One queued slice of a study: where its bytes are, never the bytes (queue messages are 128 KB at
 * most), and which slice of them: a single-frame instance, or one frame of a multi-frame one.
 */
import { z } from 'zod';

export const SliceMessage = z.object({
  tenant: z.string().min(1),
  studyId: z.string().min(1),
  sopInstanceUID: z.string().min(1).max(64),
  /** The frame of a multi-frame instance, from 1 (DICOM's frame numbers, PS3.18 10.4.1.1.4); absent for a single-frame one. */
  frame: z.number().int().positive().optional(),
  r2Key: z.string().min(1),
  /** What a frame of an enhanced CT has in its functional groups rather than at the top level, for the decoder and the lung mask. */
  overrides: z
    .object({
      rescale: z.object({ slope: z.number().finite(), intercept: z.number().finite() }).optional(),
      pixelSpacingMm: z.tuple([z.number().positive(), z.number().positive()]).optional(),
      imageOrientationPatient: z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number()]).optional(),
    })
    .optional(),
});
export type FrameOverrides = NonNullable<SliceMessage['overrides']>;
export type SliceMessage = z.infer<typeof SliceMessage>;

/** What names a slice in a study: its instance, and its frame when the instance has several. */
export interface SliceId {
  sopInstanceUID: string;
  frame?: number;
}

/** The slice's id alone, without `frame` for a single-frame instance. @example { ...sliceId(message), state: 'failed', reason } */
export function sliceId(s: SliceId): SliceId {
  return s.frame === undefined ? { sopInstanceUID: s.sopInstanceUID } : { sopInstanceUID: s.sopInstanceUID, frame: s.frame };
}

/**
 * One string per slice, for keys (its mask's R2 key hashes it; series ordering keys slices by it):
 * the SOP Instance UID for a single-frame instance, so those keys are what they always were, and
 * `<uid> frame <n>` for a frame. A UID is digits and dots (PS3.5 9.1), so the two never meet.
 * @example sliceName({ sopInstanceUID: '1.2.3', frame: 4 }) // '1.2.3 frame 4'
 */
export function sliceName(s: SliceId): string {
  return s.frame === undefined ? s.sopInstanceUID : `${s.sopInstanceUID} frame ${s.frame}`;
}
