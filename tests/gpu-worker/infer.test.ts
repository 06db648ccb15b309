/**
 * POST /v1/infer against a real GPU worker: shapes, values against the same model run directly
 * in this process, batching under concurrency, health, readiness and metrics.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelManifest } from '../../shared/model-manifest.js';
import { ReadyzBody } from '../../shared/worker-readiness.js';
import { OrtBackend } from '../../gpu-worker/src/inference/ort-backend.js';
import { loadModel } from '../../gpu-worker/src/model/load-model.js';
import { infer, metricValue, readJson, readProblem, scrapeMetrics, SIZE, startHarness, testSlice, type Harness } from './worker-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ BSNET_MAX_BATCH: '8', BSNET_MAX_QUEUE_DELAY_MS: '40' });
});
afterAll(() => h.stop());

/** The reference: the backend the session threads use, run in this process with no GPU worker in between. */
async function directRun(slices: Uint8Array[]): Promise<Uint8Array[]> {
  const { manifest, bytes } = await loadModel(h.manifestPath);
  const backend = await OrtBackend.create({ modelBytes: bytes, manifest, providers: ['cpu'], intraOpThreads: 1 });
  const pixels = SIZE * SIZE;
  const gray = new Uint8Array(slices.length * pixels);
  slices.forEach((s, i) => gray.set(s, i * pixels));
  const out = await backend.run(gray, slices.length);
  await backend.dispose();
  return slices.map((_, i) => out.subarray(i * pixels, (i + 1) * pixels));
}

describe('gpu-worker /v1/infer', () => {
  it('reports ready with the model, its sha256, the provider in use and the input size', async () => {
    const res = await fetch(h.worker.url + '/readyz');
    expect(res.status).toBe(200);
    const body = await readJson(res);
    const manifest = ModelManifest.parse(JSON.parse(await readFile(h.manifestPath, 'utf8')));
    expect(body).toMatchObject({
      status: 'ready',
      model: { name: manifest.name, version: manifest.version, sha256: manifest.sha256, inputSize: 352 },
      executionProvider: 'cpu',
      sessionThreads: { ready: 1, configured: 1 },
    });
    // The body is the shared schema the edge parses.
    expect(ReadyzBody.parse(body)).toEqual(body);
    expect((await fetch(h.worker.url + '/healthz')).status).toBe(200);
  });

  it('returns one 352x352 8-bit map per slice, equal to a direct session run', async () => {
    const slices = [testSlice(1), testSlice(2), testSlice(3)];
    const r = await infer(h.worker.url, slices, { requestId: 'values-1' });
    expect(r.status).toBe(200);
    if (!r.ok) return;
    expect(r.res.headers.get('content-type')).toBe('application/vnd.bsnet.infer-response.v1');
    expect(r.header.requestId).toBe('values-1');
    expect(r.header.slices).toHaveLength(3);
    expect(r.header.slices[0]).toEqual({ width: 352, height: 352, originalWidth: 512, originalHeight: 512 });
    const expected = await directRun(slices);
    r.maps.forEach((map, i) => {
      expect(map.length).toBe(SIZE * SIZE);
      let maxDiff = 0;
      for (let p = 0; p < map.length; p++) maxDiff = Math.max(maxDiff, Math.abs(map[p]! - expected[i]![p]!));
      // Batch composition and thread count may change float summation order: one step of 1/255 at most.
      expect(maxDiff).toBeLessThanOrEqual(1);
    });
    // Different slices give different maps: the worker did not return the same buffer thrice.
    expect(Buffer.compare(r.maps[0]!, r.maps[1]!)).not.toBe(0);
  });

  it('batches concurrent requests together', async () => {
    const before = await scrapeMetrics(h.worker.url);
    const execBefore = metricValue(before, 'bsnet_inference_exec_count_total');
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => infer(h.worker.url, [testSlice(10 + i)])));
    expect(results.every((r) => r.ok)).toBe(true);
    const sizes = results.flatMap((r) => (r.ok ? r.header.timing.batchSizes : []));
    expect(Math.max(...sizes)).toBeGreaterThan(1);

    const after = await scrapeMetrics(h.worker.url);
    const execs = metricValue(after, 'bsnet_inference_exec_count_total') - execBefore;
    expect(execs).toBeLessThan(16);
    // Histogram: not every execution fell in the le="1" bucket.
    expect(metricValue(after, 'bsnet_inference_batch_size_bucket{le="1"}')).toBeLessThan(metricValue(after, 'bsnet_inference_batch_size_count'));
    expect(metricValue(after, 'bsnet_inference_request_success_total')).toBeGreaterThanOrEqual(17);
  });

  it('splits a request larger than the max batch over several executions, keeping order', async () => {
    const slices = Array.from({ length: 11 }, (_, i) => testSlice(40 + i));
    const r = await infer(h.worker.url, slices);
    expect(r.status).toBe(200);
    if (!r.ok) return;
    expect(r.header.timing.batchSizes.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(11);
    expect(Math.max(...r.header.timing.batchSizes)).toBeLessThanOrEqual(8);
    const expected = await directRun(slices);
    r.maps.forEach((map, i) => {
      let maxDiff = 0;
      for (let p = 0; p < map.length; p += 7) maxDiff = Math.max(maxDiff, Math.abs(map[p]! - expected[i]![p]!));
      expect(maxDiff).toBeLessThanOrEqual(1);
    });
  });

  it('exposes Prometheus metrics with queue and compute histograms', async () => {
    const res = await fetch(h.worker.url + '/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    for (const name of [
      'bsnet_inference_request_success_total',
      'bsnet_inference_request_failure_total',
      'bsnet_inference_pending_slice_count',
      'bsnet_inference_batch_size_bucket',
      'bsnet_inference_queue_duration_seconds_bucket',
      'bsnet_inference_compute_duration_seconds_bucket',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/bsnet_model_info\{.*provider="cpu".*\} 1/);
    expect(metricValue(text, 'bsnet_session_threads_ready')).toBe(1);
    expect(metricValue(text, 'bsnet_session_threads_configured')).toBe(1);
    expect(metricValue(text, 'bsnet_inference_pending_slice_count')).toBe(0);
  });

  it('answers unknown routes with a problem+json 404', async () => {
    const res = await fetch(h.worker.url + '/v2/nothing');
    expect(res.status).toBe(404);
    expect((await readProblem(res)).code).toBe('not_found');
  });
});
