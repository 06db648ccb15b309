/**
 * RFC 9457 problem details, the one error body every service of the project answers with.
 * `code` is our machine-readable extension member: clients switch on it, never on `detail`.
 */
import { z } from 'zod';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string().optional(),
  code: z.string(),
  /** Which field or limit was broken, when one was (e.g. "slices[2].width"). */
  field: z.string().optional(),
  /** Seconds, mirrored from the Retry-After header for clients that only read bodies. */
  retryAfter: z.number().int().positive().optional(),
});
export type Problem = z.infer<typeof Problem>;

/** Problem `type` URIs are stable identifiers under one documented base. */
export function problemType(code: string): string {
  return `https://bsnet.dev/problems/${code}`;
}
