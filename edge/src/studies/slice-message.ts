/** One queued slice of a study: where its bytes are, never the bytes (queue messages are 128 KB at most). */
import { z } from 'zod';

export const SliceMessage = z.object({
  tenant: z.string().min(1),
  studyId: z.string().min(1),
  sopInstanceUID: z.string().min(1).max(64),
  r2Key: z.string().min(1),
});
export type SliceMessage = z.infer<typeof SliceMessage>;
