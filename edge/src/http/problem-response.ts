/**
 * The edge's one error handler: EdgeError, DecodeError and anything unexpected become RFC 9457
 * problem+json with a machine-readable `code`. Unexpected errors are logged by name only: their
 * messages could quote upload content, and logs must never carry image or patient data.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { PROBLEM_CONTENT_TYPE, problemType, type Problem } from '../../../shared/problem.js';
import { DecodeError } from '../decode/decoded-image.js';
import type { EdgeEnv } from './edge-env.js';
import { EdgeError } from './edge-error.js';
import { logEvent } from './log-event.js';

const TITLES: Partial<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Any thrown value as an EdgeError; DecodeErrors keep their status and code. */
export function toEdgeError(err: unknown): EdgeError {
  if (err instanceof EdgeError) return err;
  if (err instanceof DecodeError) return new EdgeError(err.status, err.code, err.message);
  if (err instanceof HTTPException) return new EdgeError(err.status as ContentfulStatusCode, 'http_error', err.message || 'request refused');
  return new EdgeError(500, 'internal_error', 'the edge failed to handle this request', { cause: err });
}

/** Writes an EdgeError as problem+json (and Retry-After when it has one). */
export function problemResponse(c: Context<EdgeEnv>, e: EdgeError): Response {
  const body: Problem = {
    type: problemType(e.code),
    title: TITLES[e.status] ?? 'Error',
    status: e.status,
    detail: e.message,
    code: e.code,
    ...(e.field === undefined ? {} : { field: e.field }),
    ...(e.retryAfter === undefined ? {} : { retryAfter: e.retryAfter }),
  };
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE, ...e.headers };
  if (e.retryAfter !== undefined) headers['retry-after'] = String(e.retryAfter);
  return c.body(JSON.stringify(body), e.status, headers);
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
