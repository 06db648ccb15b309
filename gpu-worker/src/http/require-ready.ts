/**
 * Why the GPU worker cannot take a batch right now, as the 503 both /readyz and /v1/infer answer
 * with: still loading, failed, draining, or every session thread lost (the pool is retrying
 * replacements). One place, so an orchestrator's probe and a caller see the same reason.
 */
import type { ExecutionProvider } from '../../../shared/worker-readiness.js';
import type { Batcher } from '../inference/batcher.js';
import type { SessionPool } from '../inference/session-pool.js';
import type { RuntimeState } from '../runtime-state.js';
import { WorkerError } from './worker-error.js';

/**
 * The pool and batcher when at least one session thread can run a batch; otherwise throws the
 * 503 WorkerError that says why.
 */
export function requireReady(state: RuntimeState, requestedProvider: 'auto' | ExecutionProvider): { pool: SessionPool; batcher: Batcher } {
  const { pool, batcher } = state;
  if (state.phase !== 'ready' || !pool || !batcher) {
    const detail =
      state.phase === 'failed'
        ? `model failed to load with the requested execution provider (${requestedProvider}): ${state.failure}`
        : `model is ${state.phase}`;
    throw new WorkerError(503, `not_ready_${state.phase}`, detail, { retryAfter: state.phase === 'loading' ? 5 : 30 });
  }
  const { ready, configured } = pool.threadCount;
  if (ready === 0) {
    // The pool retries replacements with backoff up to 30 s; a probe sooner than that is cheap.
    throw new WorkerError(503, 'not_ready_no_session_threads', `0 of ${configured} session threads are ready; replacements are being retried`, {
      retryAfter: 5,
    });
  }
  return { pool, batcher };
}
