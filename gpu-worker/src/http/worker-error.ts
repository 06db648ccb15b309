/**
 * The worker's one error type and the handler that turns any thrown error into an RFC 9457
 * problem+json answer. Messages name the field or limit that was broken, never pixel data.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { problemDocument } from '../../../shared/problem.js';
import { log } from '../log.js';

export class WorkerError extends Error {
  override name = 'WorkerError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly extra: { field?: string; retryAfter?: number } = {},
  ) {
    super(message);
  }
}

export function problemResponse(c: Context, err: WorkerError, extraHeaders: Record<string, string> = {}): Response {
  const { body, headers } = problemDocument({ status: err.status, code: err.code, detail: err.message, ...err.extra });
  return c.body(JSON.stringify(body), err.status, { ...headers, ...extraHeaders });
}

/** Hono's onError: known errors keep their status; anything else is a logged 500 with no internals leaked. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof WorkerError) return problemResponse(c, err);
  // Hono's own HTTP errors (e.g. a malformed request line) carry a status we can keep.
  const status = (err as { status?: number }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return problemResponse(c, new WorkerError(status as ContentfulStatusCode, 'bad_request', err.message));
  }
  log.error('unhandled error', { path: c.req.path, error: err.message });
  return problemResponse(c, new WorkerError(500, 'internal_error', 'the worker failed to handle the request'));
}
