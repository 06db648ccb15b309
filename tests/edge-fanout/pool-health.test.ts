/**
 * checkPoolHealth against a real ready worker, a dead port and a hung server: each is asked
 * /readyz at once, within the timeout, and the pool's breaker view is reported beside it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPoolHealth } from '../../edge/src/fanout/pool-health.js';
import { GpuWorkerPool } from '../../edge/src/fanout/gpu-worker-pool.js';
import { SECRET, SIZE, startHarness, type Harness } from '../gpu-worker/worker-harness.js';
import { closedPort, modelSlice, startHangingServer, timed, type HangingServer } from './fanout-fixtures.js';

let ready: Harness;
let hung: HangingServer;
let dead: string;
beforeAll(async () => {
  [ready, hung] = await Promise.all([startHarness(), startHangingServer()]);
  dead = `http://127.0.0.1:${await closedPort()}`;
});
afterAll(() => Promise.all([ready.stop(), hung.close()]));

describe('checkPoolHealth', () => {
  it('reports each worker from its /readyz, concurrently and within the timeout', async () => {
    const { value: report, ms } = await timed(() => checkPoolHealth([ready.worker.url, dead, hung.origin], { timeoutMs: 300 }));
    expect(ms).toBeLessThan(300 + 500);
    expect(report.healthy).toBe(true);
    const [ok, refused, hanging] = report.workers;
    expect(ok).toMatchObject({ origin: ready.worker.url, ready: true, breaker: null, executionProvider: 'cpu', sessionThreads: { ready: 1, configured: 1 } });
    expect(ok?.model).toMatchObject({ name: ready.worker.state.manifest.name, version: ready.worker.state.manifest.version, inputSize: SIZE });
    expect(refused).toMatchObject({ origin: dead, ready: false, error: 'network' });
    expect(hanging).toMatchObject({ origin: hung.origin, ready: false, error: 'timeout' });
    expect(hanging!.latencyMs).toBeGreaterThanOrEqual(290);
  });

  it("is unhealthy when no worker is ready, and shows the pool's breakers", async () => {
    const pool = new GpuWorkerPool([dead, ready.worker.url], { secret: SECRET, inputSize: SIZE, timeoutMs: 2_000, breaker: { failureThreshold: 1 } });
    await pool.infer([modelSlice(1)]);
    const report = await checkPoolHealth(pool, { timeoutMs: 300 });
    expect(report.workers.map((w) => [w.breaker, w.ready])).toEqual([
      ['open', false],
      ['closed', true],
    ]);
    expect((await checkPoolHealth([dead, hung.origin], { timeoutMs: 200 })).healthy).toBe(false);
  });
});
