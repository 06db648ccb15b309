/**
 * The study API's shapes, from which the route's parsing, the Durable Object's stored rows and
 * /openapi.json all follow: what a caller sends to create a study, the states a study and its
 * slices go through, and what GET /v1/studies/{id} answers.
 */
import { z } from 'zod';
import { DEFAULT_LUNG_WINDOW, WindowOption } from '../imaging/window.js';
import { ModelId } from '../../../shared/model-id.js';

export const StudyStatus = z.enum(['receiving', 'queued', 'processing', 'completed', 'failed', 'expired']);
export type StudyStatus = z.infer<typeof StudyStatus>;

/** A slice's life: stored on upload, skipped or queued at commit, then done or failed. */
export const SliceState = z.enum(['received', 'skipped', 'queued', 'done', 'failed']);
export type SliceState = z.infer<typeof SliceState>;

export const CreateStudyBody = z
  .object({
    callbackUrl: z.url({ protocol: /^https?$/ }).max(2048).optional().meta({ description: 'Receives a signed event when the study completes or fails.' }),
    externalId: z.string().min(1).max(128).optional().meta({ description: "The caller's own reference, echoed back (not interpreted)." }),
    window: WindowOption.optional().meta({ description: `How CT values map to the model input; default the lung window (center ${DEFAULT_LUNG_WINDOW.center}, width ${DEFAULT_LUNG_WINDOW.width}: the look of the model’s training slices).` }),
  })
  .strict()
  .meta({ id: 'CreateStudy' });
export type CreateStudyBody = z.infer<typeof CreateStudyBody>;

/** What one slice contributes once processed (masks are fetched from their own URL). */
const count = z.number().int().nonnegative();

/** A slice's lung mask counts as the study keeps them (absent in outcomes stored before lungs). */
export const SliceLungOutcome = z.object({
  found: z.boolean(),
  failure: z.string().optional(),
  method: z.enum(['hounsfield', 'intensity']),
  sides: z.enum(['image_orientation', 'unknown']),
  pixels: count,
  infectedPixels: count,
  left: z.object({ pixels: count, infectedPixels: count }).optional(),
  right: z.object({ pixels: count, infectedPixels: count }).optional(),
});
export type SliceLungOutcome = z.infer<typeof SliceLungOutcome>;

export const SliceOutcome = z.object({
  infectedPixels: z.number().int().nonnegative(),
  lesionCount: z.number().int().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  cached: z.boolean(),
  lung: SliceLungOutcome.optional(),
  /** The model that made the mask (absent in outcomes stored before it was kept): the SEG names it. */
  model: ModelId.optional(),
});
export type SliceOutcome = z.infer<typeof SliceOutcome>;

const SliceView = z
  .object({
    sopInstanceUID: z.string(),
    frame: z
      .number()
      .int()
      .positive()
      .optional()
      .meta({ description: 'The frame of a multi-frame (enhanced CT) instance this slice is, from 1 as in DICOM; absent for a single-frame instance. Each frame is a slice of its own.' }),
    state: SliceState,
    positionMm: z.number().optional().meta({ description: 'Position along the slice normal (Image Position Patient projected on the normal of Image Orientation Patient).' }),
    instanceNumber: z.number().int().optional(),
    infectedPixels: z.number().int().nonnegative().optional(),
    infectedAreaMm2: z.number().nonnegative().optional().meta({ description: 'From Pixel Spacing.' }),
    lesionCount: z.number().int().nonnegative().optional(),
    lung: z
      .object({
        found: z.boolean().meta({ description: 'Whether two lungs were found in this slice.' }),
        infectedShare: z.number().min(0).max(1).nullable().meta({ description: 'Infected lung pixels / lung pixels of this slice; null when the lungs were not found.' }),
        leftInfectedShare: z.number().min(0).max(1).nullable().optional().meta({ description: 'The same for the patient’s left lung (sides from Image Orientation Patient).' }),
        rightInfectedShare: z.number().min(0).max(1).nullable().optional().meta({ description: 'The same for the patient’s right lung.' }),
        failure: z.string().optional().meta({ description: 'Why two lungs were not found.' }),
      })
      .optional()
      .meta({ description: 'This slice’s lung mask and the share of it infected (see the series’ `results.lung`).' }),
    cached: z.boolean().optional().meta({ description: "True when the slice was answered from the tenant's cache (the same bytes, model and window) without running the model." }),
    maskUrl: z
      .string()
      .optional()
      .meta({ description: 'The mask PNG (0/255, the slice size): /v1/studies/{id}/slices/{sop}/mask, and for a frame of a multi-frame instance /v1/studies/{id}/slices/{sop}/frames/{frame}/mask (frames numbered from 1, as in DICOMweb). Add `?labels=lung,infection` for a label map (0 background, 1 lung, 2 infection), `?labels=lung` for the lung alone.' }),
    reason: z.string().optional().meta({ description: 'Why the slice failed: a code, then a sentence.' }),
  });

const percent = z.number().min(0).max(100).nullable();
const band = z.number().int().min(0).max(5).nullable();

export const LungVolume = z
  .object({
    lungVolumeMl: z.number().nonnegative().meta({ description: 'Lung volume in mL: lung pixels x Pixel Spacing x the slice spacing, summed over the slices whose lungs were found.' }),
    infectedVolumeMl: z.number().nonnegative().meta({ description: 'Infected volume inside the lung in mL, the same way.' }),
    involvementPercent: percent.meta({ description: 'infectedVolumeMl / lungVolumeMl x 100: the percentage of the lung affected (percentage of opacity). null without lung.' }),
    band: band.meta({
      description: 'The CT severity score’s step for involvementPercent, applied to a whole lung: 0 none, 1 < 5 %, 2 5–25 %, 3 > 25 and < 50 %, 4 50–75 %, 5 > 75 %. Lobes are not segmented, so this is per lung, not the lobar score.',
    }),
  })
  .meta({ id: 'LungVolume' });

export const SeriesLungInvolvement = LungVolume.extend({
  slicesWithLungs: z.number().int().nonnegative().meta({ description: 'Slices where two lungs were found; the others add nothing to the volumes.' }),
  left: LungVolume.nullable().meta({ description: 'The patient’s left lung; null unless every slice’s sides came from Image Orientation Patient.' }),
  right: LungVolume.nullable().meta({ description: 'The patient’s right lung; the same rule.' }),
  mostInvolvedSlice: z.string().nullable().meta({ description: 'SOP Instance UID of the slice with the largest infected share of its lungs.' }),
  mostInvolvedFrame: z.number().int().positive().optional().meta({ description: 'Its frame, when that slice is a frame of a multi-frame instance.' }),
  mostInvolvedShare: z.number().min(0).max(1).nullable().meta({ description: 'That slice’s infected share of its lungs.' }),
  lobes: z.literal('not_segmented').meta({ description: 'Lobes are not segmented: there is no lobar 0–25 severity score, only the per-lung bands.' }),
}).meta({ id: 'SeriesLungInvolvement', description: 'How much of the lungs is affected in this series. A measurement on images by a research model, not a diagnosis.' });
export type SeriesLungInvolvement = z.infer<typeof SeriesLungInvolvement>;

const SeriesView = z
  .object({
    seriesInstanceUID: z.string().nullable(),
    modality: z.string().nullable(),
    seriesDescription: z.string().optional(),
    sliceCount: z.number().int().nonnegative().meta({ description: 'Slices segmented or to be segmented; skipped ones are listed apart.' }),
    orderedBy: z.enum(['position', 'instance_number', 'upload']).optional(),
    sliceSpacingMm: z.number().positive().optional().meta({ description: 'Median distance between consecutive slices along the normal.' }),
    spacingFrom: z.enum(['positions', 'slice_thickness']).optional(),
    pixelSpacing: z.tuple([z.number(), z.number()]).optional(),
    slices: z.array(SliceView).meta({ description: 'In patient order (ascending along the slice normal).' }),
    skipped: z
      .array(z.object({ sopInstanceUID: z.string(), frame: z.number().int().positive().optional().meta({ description: 'When one frame of a multi-frame instance was skipped.' }), reason: z.string() }))
      .meta({ description: 'Instances (or frames of one) left out, each with a code and a sentence.' }),
    results: z
      .object({
        infectedVolumeMl: z.number().nonnegative().nullable().meta({ description: 'All infected pixels (also any outside the lung mask) as mL; null without spacing.' }),
        lung: SeriesLungInvolvement.nullable().meta({ description: 'Lung and infected volumes per lung; null without pixel and slice spacing.' }),
        mostInfectedSlice: z.string().nullable().meta({ description: 'Its SOP Instance UID.' }),
        mostInfectedFrame: z.number().int().positive().optional().meta({ description: 'Its frame, when it is a frame of a multi-frame instance.' }),
        slicesFailed: z.number().int().nonnegative(),
        dicom: z
          .object({
            segUrl: z.string().meta({ description: 'GET: the series’ DICOM Segmentation (infection and lung), application/dicom.' }),
            srUrl: z.string().nullable().meta({ description: 'GET: its DICOM Structured Report (TID 1500) of the lung figures; null without them.' }),
          })
          .nullable()
          .optional()
          .meta({ description: 'The results as DICOM objects for a PACS; null when no slice of the series was segmented.' }),
      })
      .optional()
      .meta({ description: 'Once every slice of the series is settled.' }),
  });

export const StudyView = z
  .object({
    id: z.string(),
    status: StudyStatus,
    externalId: z.string().optional(),
    createdAt: z.string(),
    committedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    expiresAt: z.string().meta({ description: 'When the study and everything stored for it is purged.' }),
    progress: z.object({ slicesTotal: z.number().int(), slicesDone: z.number().int(), slicesFailed: z.number().int() }),
    series: z.array(SeriesView),
    webhook: z
      .object({
        state: z.enum(['pending', 'delivered', 'given_up']),
        nextAttemptAt: z.string().optional(),
        attempts: z.array(z.object({ at: z.string(), httpStatus: z.number().int().optional(), error: z.string().optional() })),
      })
      .optional()
      .meta({ description: 'Delivery of the completion event to callbackUrl, every attempt.' }),
    export: z
      .object({
        state: z.enum(['pending', 'delivered', 'given_up']).meta({ description: 'delivered: the destination stored every object; given_up: after the last attempt, or an answer no retry changes.' }),
        destination: z.string().nullable().meta({ description: 'The host (and port) delivered to; never its path or credentials. null until known.' }),
        nextAttemptAt: z.string().optional(),
        attempts: z.array(
          z.object({
            at: z.string(),
            httpStatus: z.number().int().optional().meta({ description: "The destination's STOW-RS status (200, 202 partial, 409, ...), when it answered." }),
            error: z.string().optional().meta({ description: 'Why the attempt did not deliver everything: a sentence with no URL or credential.' }),
            accepted: z.number().int().nonnegative().meta({ description: 'Objects this attempt got stored.' }),
            failed: z.number().int().nonnegative().meta({ description: 'Objects sent and not stored.' }),
          }),
        ),
        instances: z
          .array(
            z.object({
              kind: z.enum(['seg', 'sr']),
              sopInstanceUID: z.string(),
              sourceSeriesInstanceUID: z.string().meta({ description: 'The CT series it describes.' }),
              stored: z.boolean().meta({ description: 'Whether the destination stored it; a retry sends only the others.' }),
            }),
          )
          .meta({ description: 'The DICOM SEG and SR (TID 1500) built per segmented series, by SOP Instance UID; empty until the first attempt builds them.' }),
      })
      .optional()
      .meta({
        description:
          "Delivery of the study's DICOM SEG and SR to the tenant's DICOMweb destination by STOW-RS, every attempt; present when the study completed while the tenant had a destination (one added later does not export studies already finished).",
      }),
  })
  .meta({ id: 'Study' });
export type StudyView = z.infer<typeof StudyView>;
export type SeriesView = z.infer<typeof SeriesView>;
export type SliceView = z.infer<typeof SliceView>;

export const StudyCreated = z
  .object({ id: z.string(), status: StudyStatus, externalId: z.string().optional(), url: z.string() })
  .meta({ id: 'StudyCreated' });

export const InstancesAnswer = z
  .object({
    accepted: z.number().int().nonnegative(),
    rejected: z.number().int().nonnegative(),
    instances: z.array(z.object({ index: z.number().int(), sopInstanceUID: z.string() })),
    rejections: z.array(z.object({ index: z.number().int(), source: z.string(), code: z.string(), reason: z.string() })),
  })
  .meta({ id: 'InstancesAnswer' });
export type InstancesAnswer = z.infer<typeof InstancesAnswer>;
