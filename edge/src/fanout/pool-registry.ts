/**
 * The isolate's one GPU worker pool per configuration. Workers reuse an isolate across requests,
 * so a pool kept here carries its breakers and in-flight counts from one request to the next; a
 * pool built per request would forget that a GPU worker is down and pay its timeout again every
 * time. A changed origin list, timeout or secret (a new deploy) gets a fresh pool.
 */
import type { EdgeConfig } from '../config.js';
import { GpuWorkerPool } from './gpu-worker-pool.js';

const pools = new Map<string, GpuWorkerPool>();

/**
 * The pool for `config`, built on first use.
 *
 * @example
 * const { probabilities } = await gpuWorkerPoolFor(c.var.config).infer(slices, { requestId });
 */
export function gpuWorkerPoolFor(config: EdgeConfig): GpuWorkerPool {
  const key = JSON.stringify([config.workerOrigins, config.model.inputSize, config.workerTimeoutMs, config.workerHmacSecret]);
  let pool = pools.get(key);
  if (!pool) {
    pool = new GpuWorkerPool(config.workerOrigins, { secret: config.workerHmacSecret, inputSize: config.model.inputSize, timeoutMs: config.workerTimeoutMs });
    pools.set(key, pool);
  }
  return pool;
}

/** Forgets every pool (tests, or a config reload). */
export function clearGpuWorkerPools(): void {
  pools.clear();
}
