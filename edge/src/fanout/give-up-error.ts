/**
 * The one EdgeError a chunk ends with when no GPU worker could serve it, chosen from how its
 * attempts failed. The message is for clients: it names no GPU worker address and no upload data;
 * the individual failures ride along as `cause` for the logs.
 */
import { EdgeError } from '../http/edge-error.js';
import type { GpuWorkerCallError } from './gpu-worker-call-error.js';

export interface GiveUpContext {
  /** The request's deadline passed before another attempt could start. */
  outOfTime: boolean;
  /** When every breaker is open: milliseconds until the first lets a probe through. */
  retryAfterMs: number | undefined;
}

/**
 * - any `rejected` (4xx): 502 `worker_rejected`: the edge's requests are wrong (secret or
 *   protocol mismatch), retrying cannot help and the operator must act;
 * - only timeouts (or none tried before the deadline): 504 `worker_timeout`, with Retry-After;
 * - otherwise (no GPU worker available, network, 5xx, overload, unusable answers): 503
 *   `workers_unavailable` with Retry-After from the GPU workers' own hints or the breakers.
 */
export function giveUpError(failures: readonly GpuWorkerCallError[], ctx: GiveUpContext): EdgeError {
  const cause = failures.length > 0 ? new AggregateError(failures, 'worker attempts') : undefined;
  const rejected = failures.find((f) => f.kind === 'rejected');
  if (rejected) {
    const what = `${rejected.status ?? ''}${rejected.code ? ` ${rejected.code}` : ''}`.trim();
    return new EdgeError(502, 'worker_rejected', `the GPU worker refused the edge's request (${what}); check the shared secret and protocol version`, { cause });
  }
  if ((failures.length > 0 || ctx.outOfTime) && failures.every((f) => f.kind === 'timeout')) {
    // Clients retry a timeout too, so it says when: as soon as a breaker lets a probe through, else 1 s.
    const retryAfter = ctx.retryAfterMs === undefined ? 1 : ctx.retryAfterMs / 1000;
    return new EdgeError(504, 'worker_timeout', `no GPU worker answered in time (${failures.length} attempt${failures.length === 1 ? '' : 's'})`, { cause, retryAfter });
  }
  const hints = failures.filter((f) => f.kind === 'overloaded').map((f) => f.retryAfter ?? 1);
  if (ctx.retryAfterMs !== undefined) hints.push(ctx.retryAfterMs / 1000);
  const retryAfter = hints.length > 0 ? Math.min(...hints) : 1;
  const detail = failures.length === 0 ? 'no GPU worker is available' : `${failures.length} GPU worker attempt${failures.length === 1 ? '' : 's'} failed (${[...new Set(failures.map((f) => f.kind))].join(', ')})`;
  return new EdgeError(503, 'workers_unavailable', `${detail}; retry later`, { retryAfter, cause });
}
