/**
 * Which model answered: name and version, as every cross-service message and public answer
 * carries it. Cache keys include it, so two versions' masks never mix.
 */
import { z } from 'zod';

export const ModelId = z.object({ name: z.string().min(1), version: z.string().min(1) });
export type ModelId = z.infer<typeof ModelId>;

/** Whether two ids name the same model. */
export function sameModel(a: ModelId, b: ModelId): boolean {
  return a.name === b.name && a.version === b.version;
}
