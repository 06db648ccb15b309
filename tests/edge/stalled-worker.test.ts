/**
 * Regression (hardening probe): a GPU worker frozen with SIGSTOP held the requests in flight to
 * it for the whole stall; only the 60 s call timeout would have ended them. Now a call whose
 * GPU worker stops answering /healthz is abandoned and retried on the other one within seconds,
 * the frozen worker's breaker opens, and /v1/health says degraded. Real stack: workerd in front
 * of an in-process GPU worker and one in its own process, which the test freezes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthResponse } from '../../edge/src/api/health-response.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { sliceJpeg, testSliceNames } from './fixtures.js';
import { startGpuWorkerProcess, type GpuWorkerProcess } from './gpu-worker-process.js';

let frozen: GpuWorkerProcess;
let s: EdgeStack;
let key: string;
beforeAll(async () => {
  frozen = await startGpuWorkerProcess();
  // The production call timeout: without stall detection a frozen worker costs a minute.
  s = await startEdgeStack({ extraOrigins: [frozen.url], vars: { WORKER_TIMEOUT_MS: '60000' } });
  key = await s.key('acme');
}, 120_000);
afterAll(async () => {
  await s?.stop();
  await frozen?.stop();
});

const segment = (i: number) =>
  s.fetch('/v1/segment', { method: 'POST', body: sliceJpeg(testSliceNames()[i]!), headers: { authorization: `Bearer ${key}`, 'content-type': 'image/jpeg' } });

async function timed(i: number): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const res = await segment(i);
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - started };
}

describe('a GPU worker frozen mid-load (SIGSTOP)', () => {
  it('costs the requests in flight to it seconds, not the call timeout, and leaves the pool', async () => {
    // Both GPU workers serve before the stall.
    expect((await Promise.all([0, 1, 2, 3].map(timed))).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    frozen.child.kill('SIGSTOP');
    // 16 distinct slices (no cache hits), 8 at a time: the pool spreads them over both workers.
    const results: { status: number; ms: number }[] = [];
    for (let round = 0; round < 2; round++) results.push(...(await Promise.all(Array.from({ length: 8 }, (_, j) => timed(4 + round * 8 + j)))));
    const ms = results.map((r) => r.ms).sort((a, b) => a - b);
    const p99 = ms[Math.ceil(ms.length * 0.99) - 1]!;
    if (process.env.BSNET_PRINT_PROBE) console.log(`stall: ${results.length} requests, p50 ${ms[ms.length >> 1]!.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${ms.at(-1)!.toFixed(0)} ms`);
    expect(results.every((r) => r.status === 200)).toBe(true);
    // Stall detection: probe after 2 s, 1.5 s probe timeout, then a retry elsewhere.
    expect(ms.at(-1)!).toBeLessThan(10_000);

    const health = HealthResponse.parse(await (await s.fetch('/v1/health')).json());
    expect(health).toMatchObject({ status: 'degraded', workers: { total: 2, ready: 1 } });
    // Its breaker is open: the next requests do not wait for it at all.
    const after = await Promise.all([20, 21, 22, 23].map(timed));
    expect(after.every((r) => r.status === 200 && r.ms < 2_000)).toBe(true);
  }, 90_000);
});
