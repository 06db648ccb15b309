/**
 * The one error base of the project: a refusal that becomes an RFC 9457 problem+json answer.
 * The edge's EdgeError, its decoders' DecodeError and the GPU worker's WorkerError extend it, so
 * each service's error handler has one `instanceof` to check and one way to write the answer.
 * Runtime-neutral (Web APIs only).
 */
import { problemDocument, type Problem, type ProblemStatus } from './problem.js';

export interface ProblemErrorOptions {
  /** The input or limit that was broken (e.g. `slices[2].width`, `body`). */
  field?: string | undefined;
  /** Seconds; sent as Retry-After and mirrored in the body. Rounded up to at least 1. */
  retryAfter?: number | undefined;
  /** Extra response headers (e.g. WWW-Authenticate, Connection: close). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * @example
 * throw new ProblemError(413, 'too_many_slices', '80 slices in one request; the limit is 64', { field: 'slices' });
 */
export class ProblemError extends Error {
  override name = 'ProblemError';
  readonly field: string | undefined;
  readonly retryAfter: number | undefined;
  readonly headers: Record<string, string>;

  constructor(
    readonly status: ProblemStatus,
    /** Machine-readable; clients switch on it, never on the message. */
    readonly code: string,
    /** The problem's `detail`: names the field or limit, never image or patient data. */
    detail: string,
    opts: ProblemErrorOptions = {},
  ) {
    super(detail, { cause: opts.cause });
    this.field = opts.field;
    this.retryAfter = opts.retryAfter === undefined ? undefined : Math.max(1, Math.ceil(opts.retryAfter));
    this.headers = opts.headers ?? {};
  }

  /** The problem+json body and every header of the answer (content type, Retry-After, extras). */
  toProblem(): { body: Problem; headers: Record<string, string> } {
    const { body, headers } = problemDocument({ status: this.status, code: this.code, detail: this.message, field: this.field, retryAfter: this.retryAfter });
    return { body, headers: { ...headers, ...this.headers } };
  }

  /** The answer itself, for Hono handlers and error handlers to return as it is. */
  toResponse(): Response {
    const { body, headers } = this.toProblem();
    return new Response(JSON.stringify(body), { status: this.status, headers });
  }
}
