/**
 * The edge's one error handler: EdgeError, DecodeError and anything unexpected become RFC 9457
 * problem+json with a machine-readable `code`. Unexpected errors are logged by name only: their
 * messages could quote upload content, and logs must never carry image or patient data.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { problemDocument } from '../../../shared/problem.js';
import { DecodeError } from '../decode/decoded-image.js';
import type { EdgeEnv } from './edge-env.js';
import { EdgeError } from './edge-error.js';
import { logEvent } from './log-event.js';

/** Any thrown value as an EdgeError; DecodeErrors keep their status and code. */
export function toEdgeError(err: unknown): EdgeError {
  if (err instanceof EdgeError) return err;
  if (err instanceof DecodeError) return new EdgeError(err.status, err.code, err.message);
  if (err instanceof HTTPException) return new EdgeError(err.status as ContentfulStatusCode, 'http_error', err.message || 'request refused');
  return new EdgeError(500, 'internal_error', 'the edge failed to handle this request', { cause: err });
}

/** Writes an EdgeError as problem+json (and Retry-After when it has one). */
export function problemResponse(c: Context<EdgeEnv>, e: EdgeError): Response {
  const { body, headers } = problemDocument({ status: e.status, code: e.code, detail: e.message, field: e.field, retryAfter: e.retryAfter });
  return c.body(JSON.stringify(body), e.status, { ...headers, ...e.headers });
}

/** `app.onError` handler. */
export function handleError(err: unknown, c: Context<EdgeEnv>): Response {
  const e = toEdgeError(err);
  if (e.status >= 500 && e.code === 'internal_error') {
    logEvent('error', 'unhandled', { requestId: c.get('requestId'), error: err instanceof Error ? err.name : typeof err });
  }
  return problemResponse(c, e);
}

/** `app.notFound` handler. */
export function handleNotFound(c: Context<EdgeEnv>): Response {
  return problemResponse(c, new EdgeError(404, 'not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));
}
