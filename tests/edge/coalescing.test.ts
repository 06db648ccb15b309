/**
 * Regression (hardening probe): concurrent identical uploads were inferred once each (4 uploads,
 * 4 GPU worker calls). Now the first claims the cache key and the others wait for its result in
 * the cache; tenants never share (the key is per tenant). Real stack: workerd, R2, a GPU worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SliceResult } from '../../edge/src/api/segment-response.js';
import { metricValue, scrapeMetrics } from '../gpu-worker/worker-harness.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { sliceJpeg, testSliceNames } from './fixtures.js';

let s: EdgeStack;
beforeAll(async () => {
  s = await startEdgeStack();
}, 60_000);
afterAll(() => s?.stop());

const slicesComputed = async () => metricValue(await scrapeMetrics(s.workers[0]!.worker.url), 'bsnet_inference_count_total');
const post = (key: string, body: Uint8Array) =>
  s.fetch('/v1/segment', { method: 'POST', body: body as Uint8Array<ArrayBuffer>, headers: { authorization: `Bearer ${key}`, 'content-type': 'image/jpeg' } });

describe('concurrent identical uploads', () => {
  it('run the model once, and every caller gets the same answer', async () => {
    const key = await s.key('acme');
    const bytes = sliceJpeg(testSliceNames()[30]!);
    const before = await slicesComputed();
    const answers = await Promise.all([0, 1, 2, 3].map(() => post(key, bytes)));
    const computed = (await slicesComputed()) - before;
    if (process.env.BSNET_PRINT_PROBE) console.log(`coalescing: 4 identical uploads, ${computed} slice(s) computed`);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const bodies = await Promise.all(answers.map(async (r) => SliceResult.parse(await r.json())));
    expect(new Set(bodies.map((b) => b.mask.data)).size).toBe(1);
    expect(bodies.filter((b) => !b.cached)).toHaveLength(1);
    expect(computed).toBe(1);
  });

  it('never wait across tenants: each tenant runs its own', async () => {
    const [acme, other] = await Promise.all([s.key('acme2'), s.key('other2')]);
    const bytes = sliceJpeg(testSliceNames()[31]!);
    const before = await slicesComputed();
    const answers = await Promise.all([acme, acme, other, other].map((k) => post(k, bytes)));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect((await slicesComputed()) - before).toBe(2);
  });
});
