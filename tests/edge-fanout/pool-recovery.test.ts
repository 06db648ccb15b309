/**
 * GpuWorkerPool when workers come and go: a worker with a full queue (real 503 queue_full) is
 * retried elsewhere without counting against its health, and a worker that was down comes
 * back through exactly one half-open probe once its breaker's open time has passed (the clock
 * is skewed forward instead of waited for; the worker is really started on the dead port).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GpuWorkerPool } from '../../edge/src/fanout/gpu-worker-pool.js';
import { infer, SECRET, SIZE, startHarness, testSlice, type Harness } from '../gpu-worker/worker-harness.js';
import { closedPort, failedRequests, modelSlice, servedRequests } from './fanout-fixtures.js';

let healthy: Harness;
let extra: Harness | undefined;
beforeAll(async () => {
  healthy = await startHarness();
});
afterEach(async () => {
  await extra?.stop();
  extra = undefined;
});
afterAll(() => healthy.stop());

describe('GpuWorkerPool recovery', () => {
  it('retries a chunk refused with queue_full on another worker, and prefers that one while the first is busy', async () => {
    // A long batching delay and a two-slice queue: two queued slices fill it for ~400 ms.
    extra = await startHarness({ BSNET_MAX_BATCH: '64', BSNET_MAX_QUEUE_DELAY_MS: '400', BSNET_QUEUE_CAPACITY: '2', BSNET_MAX_SLICES_PER_REQUEST: '2' });
    const busy = extra.worker.url;
    const filler = infer(busy, [testSlice(1), testSlice(2)]);
    await new Promise((r) => setTimeout(r, 100));

    const p = new GpuWorkerPool([busy, healthy.worker.url], { secret: SECRET, inputSize: SIZE, timeoutMs: 5_000, maxSlicesPerCall: 2 });
    const first = await p.infer([modelSlice(3), modelSlice(4)]);
    expect(first.calls).toMatchObject([{ origin: healthy.worker.url, attempts: 2 }]);
    expect(await failedRequests(busy, 'queue_full')).toBe(1);
    // Back-pressure is not ill health: the busy worker's breaker has nothing against it.
    expect(p.snapshot()[0]).toMatchObject({ state: 'closed', consecutiveFailures: 0 });

    // Within its Retry-After the busy worker is passed over, though it would be its turn.
    const second = await p.infer([modelSlice(5)]);
    expect(second.calls).toMatchObject([{ origin: healthy.worker.url, attempts: 1 }]);
    expect(await failedRequests(busy, 'queue_full')).toBe(1);
    expect((await filler).status).toBe(200);
  });

  it('lets one probe through after openMs: a failed probe reopens, a worker back on its port closes the breaker', async () => {
    const port = await closedPort();
    const down = `http://127.0.0.1:${port}`;
    let skew = 0;
    const openMs = 5_000;
    const p = new GpuWorkerPool([down, healthy.worker.url], { secret: SECRET, inputSize: SIZE, timeoutMs: 5_000, maxSlicesPerCall: 1, breaker: { failureThreshold: 1, openMs } }, () => Date.now() + skew);

    await p.infer([modelSlice(1)]);
    expect(p.snapshot()[0]?.state).toBe('open');

    // Half-open while still down: the probe fails (the request still succeeds elsewhere) and it reopens.
    skew += openMs;
    expect(p.snapshot()[0]?.state).toBe('half_open');
    const probed = await p.infer([modelSlice(2)]);
    expect(probed.calls).toMatchObject([{ origin: healthy.worker.url, attempts: 2 }]);
    expect(p.snapshot()[0]).toMatchObject({ state: 'open', consecutiveFailures: 2 });

    // The worker comes back on the same address; while the breaker is open it gets nothing.
    extra = await startHarness({ BSNET_WORKER_PORT: String(port) });
    await p.infer([modelSlice(3), modelSlice(4)]);
    expect(await servedRequests(down)).toBe(0);

    // Half-open again: of two concurrent chunks exactly one probes it; its success closes the breaker.
    skew += openMs;
    const recovered = await p.infer([modelSlice(5), modelSlice(6)]);
    expect(recovered.calls.map((c) => [c.origin, c.attempts])).toEqual([
      [down, 1],
      [healthy.worker.url, 1],
    ]);
    expect(p.snapshot()[0]).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    expect(await servedRequests(down)).toBe(1);

    const after = await p.infer([modelSlice(7), modelSlice(8)]);
    expect(new Set(after.calls.map((c) => c.origin))).toEqual(new Set([down, healthy.worker.url]));
  });
});
