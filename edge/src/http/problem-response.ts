/**
 * The edge's one error handler, and the one place foreign errors are mapped: every ProblemError
 * (EdgeError, DecodeError, FrameError) keeps its status and code, Hono's HTTPException keeps its
 * status, anything else is a 500. Unexpected errors are logged by name only: their messages
 * could quote upload content, and logs must never carry image or patient data.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ConfigError } from '../../../shared/env-config.js';
import { ProblemError } from '../../../shared/problem-error.js';
import type { ProblemStatus } from '../../../shared/problem.js';
import type { EdgeEnv } from './edge-env.js';
import { EdgeError } from './edge-error.js';
import { logEvent } from './log-event.js';

/** Any thrown value as a ProblemError. */
export function toProblemError(err: unknown): ProblemError {
  if (err instanceof ProblemError) return err;
  if (err instanceof HTTPException) return new EdgeError(err.status as ProblemStatus, 'http_error', err.message || 'request refused');
  return new EdgeError(500, 'internal_error', 'the edge failed to handle this request', { cause: err });
}

/** `app.onError` handler. */
export function handleError(err: unknown, c: Context<EdgeEnv>): Response {
  // The client left (request.signal, enable_request_signal): whatever unwound is not our failure.
  if (c.req.raw.signal.aborted) {
    logEvent('info', 'aborted', { requestId: c.get('requestId'), route: c.req.routePath });
    return new EdgeError(499, 'client_closed_request', 'the client closed the connection before the answer').toResponse();
  }
  const problem = toProblemError(err);
  if (problem.code === 'internal_error') {
    // A ConfigError's message names the variable to fix and holds no request data; any other
    // message could quote upload content, so only its name is logged.
    const detail = err instanceof ConfigError ? { message: err.message } : {};
    logEvent('error', 'unhandled', { requestId: c.get('requestId'), error: err instanceof Error ? err.name : typeof err, ...detail });
  }
  return problem.toResponse();
}

/** `app.notFound` handler. */
export function handleNotFound(c: Context<EdgeEnv>): Response {
  return new EdgeError(404, 'not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`).toResponse();
}
