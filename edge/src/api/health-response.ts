/**
 * The public answer of `GET /v1/health`, as a zod schema (the route parses what it sends, and
 * /openapi.json is generated from it). Counts only: GPU worker origins are internal addresses.
 */
import { z } from 'zod';
import { ModelId } from '../../../shared/model-id.js';

export const HealthResponse = z
  .object({
    status: z.enum(['ok', 'degraded', 'unavailable']),
    model: ModelId,
    workers: z.object({ total: z.number().int(), ready: z.number().int() }),
  })
  .meta({ id: 'HealthResponse' });
export type HealthResponse = z.infer<typeof HealthResponse>;
