/** The session pool survives a batch that fails inside its thread: that batch rejects, the next one runs. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionPool } from '../../gpu-worker/src/inference/session-pool.js';
import { createLogger } from '../../gpu-worker/src/log.js';
import { loadModel } from '../../gpu-worker/src/model/load-model.js';
import { writeStandInModel } from '../../models/stand-in/write-stand-in.js';
import { SIZE, testSlice } from './worker-harness.js';

let dir: string;
let pool: SessionPool;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bsnet-pool-'));
  const { manifest, bytes } = await loadModel(await writeStandInModel(dir));
  pool = await SessionPool.create({ modelBytes: bytes, manifest, providers: ['cpu'], intraOpThreads: 1, warmupBatchSizes: [1] }, 2, { log: createLogger('silent') });
});
afterAll(async () => {
  await pool.close();
  await rm(dir, { recursive: true, force: true });
});

describe('SessionPool', () => {
  it('starts every thread ready and idle on the provider asked for', () => {
    expect(pool.size).toBe(2);
    expect(pool.idleCount).toBe(2);
    expect(pool.threadCount).toEqual({ ready: 2, configured: 2 });
    expect(pool.provider).toBe('cpu');
  });

  it('runs two batches at once, one per thread', async () => {
    const a = pool.run(testSlice(1).slice(), 1);
    const b = pool.run(testSlice(2).slice(), 1);
    expect(pool.idleCount).toBe(0);
    // Busy threads are still ready ones.
    expect(pool.readyCount).toBe(2);
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.probabilities.length).toBe(SIZE * SIZE);
    expect(rb.computeMs).toBeGreaterThan(0);
    expect(pool.idleCount).toBe(2);
  });

  it('rejects a batch that fails in its thread and keeps serving', async () => {
    // The backend refuses a negative count inside the thread: a failure there, not in the pool.
    await expect(pool.run(new Uint8Array(0), -1)).rejects.toThrow(/inference failed: count must be a positive integer/);
    expect(pool.idleCount).toBe(2);
    const ok = await pool.run(testSlice(3).slice(), 1);
    expect(ok.probabilities.length).toBe(SIZE * SIZE);
  });
});
