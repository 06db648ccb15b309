/**
 * How one call to one GPU worker failed, in the few kinds the pool acts on: retry elsewhere or
 * not, count against the GPU worker's circuit breaker or not. Messages carry status and the GPU worker's
 * problem code, never request data.
 */

/**
 * - `timeout`: no complete answer within the call's time budget.
 * - `stalled`: the GPU worker stopped answering /healthz while a call was in flight (frozen).
 * - `network`: the connection failed (refused, reset, DNS).
 * - `overloaded`: the GPU worker's queue is full (503 `queue_full`), its queue deadline passed (504
 *   `deadline_exceeded`) or 429: back-pressure from a live GPU worker, not ill health.
 * - `server`: any other 5xx, including 502/504 and proxies answering for an unreachable worker.
 * - `rejected`: a 4xx: the edge sent something the GPU worker refuses (bad signature, bad frame).
 * - `bad_response`: a 2xx/3xx the edge cannot use (wrong type, bad frame, wrong count or size).
 */
export type GpuWorkerFailureKind = 'timeout' | 'stalled' | 'network' | 'overloaded' | 'server' | 'rejected' | 'bad_response';

export interface GpuWorkerCallErrorDetails {
  /** HTTP status, when the GPU worker answered at all. */
  status?: number;
  /** The GPU worker's problem+json `code`, when it sent one. */
  code?: string;
  /** Seconds the GPU worker asked us to wait (Retry-After), when it said. */
  retryAfter?: number;
  cause?: unknown;
}

/**
 * Thrown by `inferOnGpuWorker` for every failure of the GPU worker or the network. `retryable` says
 * whether another GPU worker may succeed with the same request: all kinds but `rejected`, which
 * means the edge itself is wrong (e.g. a secret mismatch) and every GPU worker would say the same.
 */
export class GpuWorkerCallError extends Error {
  override name = 'GpuWorkerCallError';
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly retryAfter: number | undefined;

  constructor(
    readonly kind: GpuWorkerFailureKind,
    readonly origin: string,
    message: string,
    details: GpuWorkerCallErrorDetails = {},
  ) {
    super(`${origin}: ${message}`, { cause: details.cause });
    this.retryable = kind !== 'rejected';
    this.status = details.status;
    this.code = details.code;
    this.retryAfter = details.retryAfter;
  }
}
