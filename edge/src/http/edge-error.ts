/**
 * The edge's one error type: every refusal (auth, limits, bad uploads, pool failures) is an
 * EdgeError, and the app's error handler turns it into RFC 9457 problem+json. `code` is what
 * clients switch on; `field` names the input or limit that was broken.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface EdgeErrorOptions {
  field?: string;
  /** Seconds; sent as Retry-After and mirrored in the body. */
  retryAfter?: number;
  /** Extra response headers (e.g. WWW-Authenticate). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class EdgeError extends Error {
  override name = 'EdgeError';
  readonly field: string | undefined;
  readonly retryAfter: number | undefined;
  readonly headers: Record<string, string>;

  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    opts: EdgeErrorOptions = {},
  ) {
    super(message, { cause: opts.cause });
    this.field = opts.field;
    this.retryAfter = opts.retryAfter === undefined ? undefined : Math.max(1, Math.ceil(opts.retryAfter));
    this.headers = opts.headers ?? {};
  }
}
