/**
 * How one call to one GPU worker failed, in the few kinds the pool acts on: retry elsewhere or
 * not, count against the worker's circuit breaker or not. Messages carry status and the worker's
 * problem code, never request data.
 */

/**
 * - `timeout`: no complete answer within the call's time budget.
 * - `network`: the connection failed (refused, reset, DNS).
 * - `overloaded`: the worker's queue is full (503 `queue_full`) or 429: back-pressure, not ill health.
 * - `server`: any other 5xx, including 502/504 and proxies answering for an unreachable worker.
 * - `rejected`: a 4xx: the edge sent something the worker refuses (bad signature, bad frame).
 * - `bad_response`: a 2xx/3xx the edge cannot use (wrong type, bad frame, wrong count or size).
 */
export type WorkerFailureKind = 'timeout' | 'network' | 'overloaded' | 'server' | 'rejected' | 'bad_response';

export interface WorkerCallErrorDetails {
  /** HTTP status, when the worker answered at all. */
  status?: number;
  /** The worker's problem+json `code`, when it sent one. */
  code?: string;
  /** Seconds the worker asked us to wait (Retry-After), when it said. */
  retryAfter?: number;
  cause?: unknown;
}

/**
 * Thrown by `callWorker` for every failure of the worker or the network. `retryable` says
 * whether another worker may succeed with the same request: all kinds but `rejected`, which
 * means the edge itself is wrong (e.g. a secret mismatch) and every worker would say the same.
 */
export class WorkerCallError extends Error {
  override name = 'WorkerCallError';
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly retryAfter: number | undefined;

  constructor(
    readonly kind: WorkerFailureKind,
    readonly origin: string,
    message: string,
    details: WorkerCallErrorDetails = {},
  ) {
    super(`${origin}: ${message}`, { cause: details.cause });
    this.retryable = kind !== 'rejected';
    this.status = details.status;
    this.code = details.code;
    this.retryAfter = details.retryAfter;
  }
}
