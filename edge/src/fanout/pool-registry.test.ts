/** getWorkerPool keeps one pool per key for the isolate's life, so breaker state carries over. */
import { afterEach, describe, expect, it } from 'vitest';
import { clearWorkerPools, getWorkerPool } from './pool-registry.js';
import { WorkerPool } from './worker-pool.js';

afterEach(clearWorkerPools);
const make = () => new WorkerPool(['http://127.0.0.1:1'], { secret: 's', inputSize: 4, timeoutMs: 100 });

describe('getWorkerPool', () => {
  it('builds once per key and returns the same pool after', () => {
    let built = 0;
    const factory = () => (built++, make());
    const first = getWorkerPool('a', factory);
    expect(getWorkerPool('a', factory)).toBe(first);
    expect(getWorkerPool('b', factory)).not.toBe(first);
    expect(built).toBe(2);
  });
});
