/**
 * Admission control: deadlines that expire in the queue answer 504, a full queue answers 503
 * with Retry-After, and neither disturbs requests that fit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { infer, metricValue, scrapeMetrics, startHarness, testSlice, type Harness } from './worker-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('gpu-worker queueing', () => {
  it('drops a request whose deadline passes while it waits (504) and serves one that can wait', async () => {
    // A long batching delay keeps lone requests queued, so the short deadline expires first.
    h = await startHarness({ BSNET_MAX_BATCH: '64', BSNET_MAX_QUEUE_DELAY_MS: '300' });
    const [late, patient] = await Promise.all([
      infer(h.worker.url, [testSlice(1)], { deadlineMs: 30 }),
      infer(h.worker.url, [testSlice(2)], { deadlineMs: 10_000 }),
    ]);
    expect(late.status).toBe(504);
    if (!late.ok) expect(late.problem).toMatchObject({ code: 'deadline_exceeded', status: 504 });
    // Back-pressure says when to come back, like queue_full.
    expect(Number(late.res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(patient.status).toBe(200);
    // The expired slice never reached the model.
    const text = await scrapeMetrics(h.worker.url);
    expect(metricValue(text, 'bsnet_inference_count_total')).toBe(1);
    expect(text).toContain('bsnet_inference_request_failure_total{reason="deadline_exceeded"} 1');
  });

  it('answers 503 with Retry-After when the queue is full, without losing queued work', async () => {
    h = await startHarness({ BSNET_MAX_BATCH: '64', BSNET_MAX_QUEUE_DELAY_MS: '400', BSNET_QUEUE_CAPACITY: '4', BSNET_MAX_SLICES_PER_REQUEST: '2' });
    const two = [testSlice(1), testSlice(2)];
    const first = infer(h.worker.url, two);
    const second = infer(h.worker.url, two);
    // Let both reach the queue (4 of 4 slices) before the third arrives.
    await new Promise((r) => setTimeout(r, 100));
    const third = await infer(h.worker.url, two);
    expect(third.status).toBe(503);
    if (!third.ok) {
      expect(third.problem).toMatchObject({ code: 'queue_full', status: 503 });
      const retryAfter = Number(third.res.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(third.problem.retryAfter).toBe(retryAfter);
    }
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    // Once drained, the queue takes work again.
    expect((await infer(h.worker.url, two)).status).toBe(200);
  });
});
