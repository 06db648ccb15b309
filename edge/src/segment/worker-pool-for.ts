/**
 * The isolate's one worker pool per configuration. Workers reuse isolates across requests, so
 * circuit-breaker state and in-flight counts survive from one request to the next; a changed
 * origin list or secret (a new deploy) gets a fresh pool.
 */
import type { EdgeConfig } from '../config.js';
import { getWorkerPool } from '../fanout/pool-registry.js';
import { WorkerPool } from '../fanout/worker-pool.js';

export function workerPoolFor(config: EdgeConfig): WorkerPool {
  const key = JSON.stringify([config.workerOrigins, config.model.inputSize, config.workerTimeoutMs, config.workerHmacSecret]);
  return getWorkerPool(
    key,
    () =>
      new WorkerPool(config.workerOrigins, {
        secret: config.workerHmacSecret,
        inputSize: config.model.inputSize,
        timeoutMs: config.workerTimeoutMs,
      }),
  );
}
