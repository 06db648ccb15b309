/**
 * Readiness of the GPU workers for the edge's own health endpoint: every GPU worker's `GET /readyz`
 * at once (unauthenticated; ready only once its model is loaded and warmed), with the pool's
 * breaker view beside it. Read-only: probes do not feed the breakers, which judge real traffic.
 * The result keeps the GPU workers' origins (internal addresses); the caller decides what to expose.
 * Workers runtime code: Web APIs only.
 */
import { Problem } from '../../../shared/problem.js';
import { ReadyzBody, type ExecutionProvider, type SessionThreadCount } from '../../../shared/worker-readiness.js';
import type { BreakerState } from './circuit-breaker.js';
import { GpuWorkerPool } from './gpu-worker-pool.js';

export interface GpuWorkerHealth {
  origin: string;
  ready: boolean;
  model?: ReadyzBody['model'];
  /** The provider really in use (cuda, webgpu, cpu). */
  executionProvider?: ExecutionProvider;
  /** Its session threads ready out of configured. */
  sessionThreads?: SessionThreadCount;
  /** The pool's breaker state for this GPU worker; null when checked from bare origins. */
  breaker: BreakerState | null;
  latencyMs: number;
  /** Why not ready: `timeout`, `network`, the GPU worker's problem code, `http_<status>` or `bad_body`. */
  error?: string;
}

export interface PoolHealth {
  /** At least one GPU worker is ready to take work. */
  healthy: boolean;
  workers: GpuWorkerHealth[];
}

export interface PoolHealthOptions {
  /** Per-worker budget (default 2 s): a health check must answer even when a GPU worker hangs. */
  timeoutMs?: number;
}

/**
 * @example
 * const { healthy, workers } = await checkPoolHealth(pool, { timeoutMs: 2000 });
 */
export async function checkPoolHealth(target: GpuWorkerPool | readonly string[], opts: PoolHealthOptions = {}): Promise<PoolHealth> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const entries =
    target instanceof GpuWorkerPool
      ? target.snapshot().map((s) => ({ origin: s.origin, breaker: s.state as BreakerState | null }))
      : target.map((origin) => ({ origin, breaker: null }));
  const workers = await Promise.all(entries.map(({ origin, breaker }) => probe(origin, timeoutMs).then((r) => ({ origin, breaker, ...r }))));
  return { healthy: workers.some((w) => w.ready), workers };
}

type ProbeResult = Omit<GpuWorkerHealth, 'origin' | 'breaker'>;

async function probe(origin: string, timeoutMs: number): Promise<ProbeResult> {
  const started = Date.now();
  const timeout = AbortSignal.timeout(timeoutMs);
  const done = (r: Omit<ProbeResult, 'latencyMs'>): ProbeResult => ({ ...r, latencyMs: Date.now() - started });
  try {
    const res = await fetch(`${origin}/readyz`, { signal: timeout, redirect: 'manual' });
    const body: unknown = await res.json().catch(() => undefined);
    if (res.status === 200) {
      const ready = ReadyzBody.safeParse(body);
      if (!ready.success) return done({ ready: false, error: 'bad_body' });
      const { model, executionProvider, sessionThreads } = ready.data;
      return done({ ready: true, model, executionProvider, sessionThreads });
    }
    // Not ready yet (loading) or failed: the GPU worker says which in its problem code.
    return done({ ready: false, error: Problem.safeParse(body).data?.code ?? `http_${res.status}` });
  } catch {
    return done({ ready: false, error: timeout.aborted ? 'timeout' : 'network' });
  }
}
