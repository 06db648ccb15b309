/**
 * One WorkerPool per configuration per isolate. Workers reuse an isolate across requests, so a
 * pool kept here carries its breakers and in-flight counts from one request to the next; a pool
 * built per request would forget that a worker is down and pay its timeout again every time.
 */
import type { WorkerPool } from './worker-pool.js';

const pools = new Map<string, WorkerPool>();

/**
 * The pool registered under `key`, built with `factory` on first use. Make the key cover
 * everything the factory reads (origins, timeouts) so a changed config gets a fresh pool.
 *
 * @example
 * const pool = getWorkerPool(config.workerOrigins.join(','), () => new WorkerPool(config.workerOrigins, options));
 */
export function getWorkerPool(key: string, factory: () => WorkerPool): WorkerPool {
  let pool = pools.get(key);
  if (!pool) {
    pool = factory();
    pools.set(key, pool);
  }
  return pool;
}

/** Forgets every pool (tests, or a config reload). */
export function clearWorkerPools(): void {
  pools.clear();
}
