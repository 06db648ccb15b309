/** gpuWorkerPoolFor keeps one pool per configuration for the isolate's life, so breaker state carries over. */
import { afterEach, describe, expect, it } from 'vitest';
import type { EdgeConfig } from '../config.js';
import { clearGpuWorkerPools, gpuWorkerPoolFor } from './pool-registry.js';

afterEach(clearGpuWorkerPools);

const config = (over: Partial<EdgeConfig> = {}) =>
  ({
    workerOrigins: ['http://127.0.0.1:1'],
    model: { name: 'bsnet', version: '1', inputSize: 352 },
    workerTimeoutMs: 100,
    workerHmacSecret: 's'.repeat(32),
    ...over,
  }) as EdgeConfig;

describe('gpuWorkerPoolFor', () => {
  it('returns the same pool for the same configuration, a fresh one when it changes', () => {
    const first = gpuWorkerPoolFor(config());
    expect(gpuWorkerPoolFor(config())).toBe(first);
    expect(gpuWorkerPoolFor(config({ workerTimeoutMs: 200 }))).not.toBe(first);
    expect(gpuWorkerPoolFor(config({ workerOrigins: ['http://127.0.0.1:2'] }))).not.toBe(first);
    expect(gpuWorkerPoolFor(config({ workerHmacSecret: 't'.repeat(32) }))).not.toBe(first);
  });
});
