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

/** RFC 9110 reason phrases for the statuses the services answer with. */
const TITLES = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  // nginx's code for a client that closed the connection first: logged, never seen by anyone.
  499: 'Client Closed Request',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
} as const;

/** The statuses a problem may carry: the ones with a reason phrase above (all have bodies). */
export type ProblemStatus = keyof typeof TITLES;

/**
 * A problem document, and its headers (content type, and Retry-After when the problem has one).
 *
 * @example
 * const { body, headers } = problemDocument({ status: 413, code: 'body_too_large', detail: 'body exceeds 1 MiB' });
 */
export function problemDocument(p: { status: ProblemStatus; code: string; detail: string; field?: string | undefined; retryAfter?: number | undefined }): {
  body: Problem;
  headers: Record<string, string>;
} {
  const body: Problem = {
    type: problemType(p.code),
    title: TITLES[p.status],
    status: p.status,
    detail: p.detail,
    code: p.code,
    ...(p.field === undefined ? {} : { field: p.field }),
    ...(p.retryAfter === undefined ? {} : { retryAfter: p.retryAfter }),
  };
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE };
  if (p.retryAfter !== undefined) headers['retry-after'] = String(p.retryAfter);
  return { body, headers };
}
