/**
 * The GPU worker's one error type, and the one place where anything thrown while answering a
 * request becomes problem+json: WorkerError and every other ProblemError (a bad frame) keep
 * their status; Hono's own HTTP errors keep theirs; anything else is a logged 500 that leaks no
 * internals. Messages name the field or limit that was broken, never pixel data.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ProblemError } from '../../../shared/problem-error.js';
import type { ProblemStatus } from '../../../shared/problem.js';
import type { Logger } from '../log.js';

export class WorkerError extends ProblemError {
  override name = 'WorkerError';
}

/** Any thrown value as a ProblemError. */
export function toProblemError(err: unknown): ProblemError {
  if (err instanceof ProblemError) return err;
  if (err instanceof HTTPException && err.status >= 400 && err.status < 500) {
    return new WorkerError(err.status as ProblemStatus, 'bad_request', err.message || 'request refused');
  }
  return new WorkerError(500, 'internal_error', 'the worker failed to handle the request', { cause: err });
}

/**
 * Hono's onError: the problem+json answer for anything thrown, logging the unexpected ones
 * (by name and path only).
 *
 * @example
 * const onError = errorHandler(log);
 * app.onError((err, c) => onError(err, c));
 */
export function errorHandler(log: Logger): (err: Error, c: Context) => Response {
  return function handleError(err, c) {
    const problem = toProblemError(err);
    if (problem.code === 'internal_error') log.error('unhandled error', { path: c.req.path, error: err.name });
    return problem.toResponse();
  };
}
