/**
 * Regressions (hardening probe), one GPU worker under more load than it can take:
 * - a burst with a short call timeout made the worker's own deadline answers count as failures,
 *   its breaker opened and a live worker was shut out for ~10 s after the burst;
 * - a series whose second chunk met a full queue failed, throwing away the chunk already computed.
 * Back-pressure (queue_full, deadline_exceeded) now never counts against a breaker, a 504 says
 * when to retry, and a pushed-back chunk waits out Retry-After inside the request's deadline.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { failedRequests } from '../edge-fanout/fanout-fixtures.js';
import { metricValue, scrapeMetrics } from '../gpu-worker/worker-harness.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { seriesForm, sliceJpeg, testSliceNames } from './fixtures.js';
import { startGpuWorkerProcess, type GpuWorkerProcess } from './gpu-worker-process.js';

const stacks: EdgeStack[] = [];
const processes: GpuWorkerProcess[] = [];
afterAll(async () => {
  await Promise.all(stacks.map((s) => s.stop()));
  await Promise.all(processes.map((p) => p.stop()));
});

async function stack(o: Parameters<typeof startEdgeStack>[0]): Promise<{ s: EdgeStack; key: string }> {
  const s = await startEdgeStack(o);
  stacks.push(s);
  return { s, key: await s.key('acme') };
}

/** Upload `i`: a real slice with `i` appended after its end-of-image marker, so every upload is a cache miss. */
function upload(i: number): Uint8Array {
  const names = testSliceNames();
  const jpg = sliceJpeg(names[i % names.length]!);
  const out = new Uint8Array(jpg.length + 4);
  out.set(jpg);
  new DataView(out.buffer).setUint32(jpg.length, i);
  return out;
}

const slicesComputed = async (s: EdgeStack) => metricValue(await scrapeMetrics(s.workers[0]!.worker.url), 'bsnet_inference_count_total');
/** Waits until the GPU worker has nothing queued and its count of computed slices stops moving. */
async function settled(s: EdgeStack): Promise<void> {
  let last = NaN;
  for (let i = 0; i < 50; i++) {
    const text = await scrapeMetrics(s.workers[0]!.worker.url);
    const computed = metricValue(text, 'bsnet_inference_count_total');
    if (metricValue(text, 'bsnet_inference_pending_slice_count') === 0 && computed === last) return;
    last = computed;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const queueFullRefusals = async (s: EdgeStack) => metricValue(await scrapeMetrics(s.workers[0]!.worker.url), 'bsnet_inference_request_failure_total{reason="queue_full"}');

describe('one GPU worker under overload', () => {
  it('serves a series whose chunk met a full queue, wasting none of the computed slices', async () => {
    // Batches of 4 and room for 8 waiting slices: the second 8-slice chunk of a 16-slice series finds the queue full.
    const { s, key } = await stack({ workerEnv: { BSNET_MAX_BATCH: '4', BSNET_QUEUE_CAPACITY: '8', BSNET_MAX_SLICES_PER_REQUEST: '8', BSNET_MAX_QUEUE_DELAY_MS: '50' } });
    const form = new FormData();
    for (let i = 0; i < 16; i++) form.append('file', new Blob([upload(1000 + i) as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }), `${i}.jpg`);
    const before = await slicesComputed(s);
    const res = await s.fetch('/v1/segment', { method: 'POST', body: form, headers: { authorization: `Bearer ${key}` } });
    // Slices of a failed request may still be running: count once the GPU worker is idle.
    await settled(s);
    const computed = (await slicesComputed(s)) - before;
    const answered = res.status === 200 ? ((await res.json()) as { slices: unknown[] }).slices.length : 0;
    if (process.env.BSNET_PRINT_PROBE) console.log(`multipart: status ${res.status}, ${computed} slices computed, ${answered} answered, ${computed - answered} wasted`);
    expect(await queueFullRefusals(s)).toBeGreaterThan(0);
    expect(res.status).toBe(200);
    expect(answered).toBe(16);
    expect(computed - answered).toBe(0);
  }, 60_000);

  it('keeps a live worker in service when its queue deadline answers are back-pressure', async () => {
    // Batches of 8 leave at once; anything less waits 1.5 s for company, past the 750 ms queue
    // deadline a 1 s call sends, so the worker answers 504 deadline_exceeded: alive and busy.
    const { s, key } = await stack({ vars: { WORKER_TIMEOUT_MS: '1000' }, workerEnv: { BSNET_MAX_BATCH: '8', BSNET_MAX_QUEUE_DELAY_MS: '1500' } });
    const post = (i: number) => s.fetch('/v1/segment', { method: 'POST', body: upload(i), headers: { authorization: `Bearer ${key}`, 'content-type': 'image/jpeg' } });
    // Five lone uploads, one after the other: each is refused by the worker's own deadline.
    const lone: Response[] = [];
    for (let i = 0; i < 5; i++) lone.push(await post(7000 + i));
    for (const r of lone) {
      expect(r.status).toBe(504);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      await r.arrayBuffer();
    }
    expect(await failedRequests(s.workers[0]!.worker.url, 'deadline_exceeded')).toBeGreaterThanOrEqual(3);
    // The breaker stayed closed (it used to open after 3 such answers and shut the worker out
    // for 10 s): a full batch at once is served right away. One request of 8 files, so the 8
    // reach the worker as one call whatever the edge's CPU per upload (8 separate requests are
    // decoded one after another in the isolate and may not arrive within one batch window).
    const form = seriesForm(Array.from({ length: 8 }, (_, i) => ({ bytes: upload(7100 + i), type: 'image/jpeg' })));
    const full = await s.fetch('/v1/segment', { method: 'POST', body: form, headers: { authorization: `Bearer ${key}` } });
    expect(full.status).toBe(200);
    expect(((await full.json()) as { slices: unknown[] }).slices).toHaveLength(8);
  }, 60_000);

  // A probe, not a unit test: 2 cores starve under it, so it runs only when asked for
  // (BSNET_HEAVY_PROBES=1) and its figures go into notes, not CI.
  it.skipIf(!process.env.BSNET_HEAVY_PROBES)('keeps a live worker in service through a burst: back-pressure is not failure', async () => {
    // The GPU worker in a process of its own, as in production: the test's 200 clients must not
    // share its event loop.
    const worker = await startGpuWorkerProcess({ BSNET_QUEUE_CAPACITY: '32' });
    processes.push(worker);
    const { s, key } = await stack({ workers: 0, extraOrigins: [worker.url], vars: { WORKER_TIMEOUT_MS: '2000' } });
    const post = (i: number) => s.fetch('/v1/segment', { method: 'POST', body: upload(i), headers: { authorization: `Bearer ${key}`, 'content-type': 'image/jpeg' } });
    const burst = await Promise.all(Array.from({ length: 150 }, (_, i) => post(i)));
    const counts: Record<number, number> = {};
    for (const r of burst) counts[r.status] = (counts[r.status] ?? 0) + 1;
    const refusals = burst.filter((x) => x.status !== 200).map((r) => ({ status: r.status, retryAfter: Number(r.headers.get('retry-after')) }));
    await Promise.all(burst.map((r) => r.arrayBuffer()));
    // Seconds until a fresh upload is answered again (the breaker used to shut it out ~10 s).
    const ended = performance.now();
    let served = false;
    for (let i = 0; !served && performance.now() - ended < 15_000; i++) {
      served = (await post(5000 + i)).status === 200;
      if (!served) await new Promise((r) => setTimeout(r, 100));
    }
    const recoveredS = (performance.now() - ended) / 1000;
    if (process.env.BSNET_PRINT_PROBE) console.log(`overload: ${JSON.stringify(counts)}; full service ${recoveredS.toFixed(2)} s after the burst`);
    for (const r of refusals) {
      expect([503, 504]).toContain(r.status);
      expect(r.retryAfter, `Retry-After of a ${r.status}`).toBeGreaterThanOrEqual(1);
    }
    expect(served).toBe(true);
    expect(recoveredS).toBeLessThan(2);
  }, 120_000);
});
