/**
 * The study API's shapes, from which the route's parsing, the Durable Object's stored rows and
 * /openapi.json all follow: what a caller sends to create a study, the states a study and its
 * slices go through, and what GET /v1/studies/{id} answers.
 */
import { z } from 'zod';
import { WindowOption } from '../imaging/window.js';

export const StudyStatus = z.enum(['receiving', 'queued', 'processing', 'completed', 'failed', 'expired']);
export type StudyStatus = z.infer<typeof StudyStatus>;

/** A slice's life: stored on upload, skipped or queued at commit, then done or failed. */
export const SliceState = z.enum(['received', 'skipped', 'queued', 'done', 'failed']);
export type SliceState = z.infer<typeof SliceState>;

export const CreateStudyBody = z
  .object({
    callbackUrl: z.url({ protocol: /^https?$/ }).max(2048).optional().meta({ description: 'Receives a signed event when the study completes or fails.' }),
    externalId: z.string().min(1).max(128).optional().meta({ description: "The caller's own reference, echoed back (not interpreted)." }),
    window: WindowOption.optional().meta({ description: 'How CT values map to the model input; default the lung window (center -600, width 1500).' }),
  })
  .strict()
  .meta({ id: 'CreateStudy' });
export type CreateStudyBody = z.infer<typeof CreateStudyBody>;

/** What one slice contributes once processed (masks are fetched from their own URL). */
export const SliceOutcome = z.object({
  infectedPixels: z.number().int().nonnegative(),
  lesionCount: z.number().int().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  cached: z.boolean(),
});
export type SliceOutcome = z.infer<typeof SliceOutcome>;
