/**
 * The per-tenant result cache: a repeat upload is answered from R2 without touching a worker, a
 * different tenant sending the same bytes is a miss, options that change the input change the
 * key, and R2 never holds the uploaded image.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SliceResult } from '../../edge/src/api/segment-response.js';
import { scrapeMetrics } from '../gpu-worker/worker-harness.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { dicom, sliceJpeg, testSliceNames } from './fixtures.js';

let stack: EdgeStack;
let acme: string;
let globex: string;

beforeAll(async () => {
  stack = await startEdgeStack();
  [acme, globex] = await Promise.all([stack.key('acme'), stack.key('globex')]);
});
afterAll(() => stack?.stop());

const post = (key: string, bytes: Uint8Array, type = 'image/jpeg', query = '') =>
  stack.fetch(`/v1/segment${query}`, { method: 'POST', body: bytes, headers: { authorization: `Bearer ${key}`, 'content-type': type } });

/** Requests the worker has answered so far (its own Prometheus counter). */
async function workerRequests(): Promise<number> {
  const text = await scrapeMetrics(stack.workers[0]!.worker.url);
  return Number(/^bsnet_inference_request_success_total(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0);
}

describe('cache by content hash', () => {
  it('answers a repeat upload from the cache without touching a worker, identically', async () => {
    const bytes = sliceJpeg(testSliceNames()[2]!);
    const first = await post(acme, bytes);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('MISS');
    const miss = SliceResult.parse(await first.json());
    expect(miss.cached).toBe(false);

    const before = await workerRequests();
    const second = await post(acme, bytes);
    expect(second.headers.get('x-cache')).toBe('HIT');
    const hit = SliceResult.parse(await second.json());
    expect(await workerRequests()).toBe(before);
    expect({ ...hit, cached: false }).toEqual(miss);

    // The probability variant is derived from the same entry.
    const prob = await post(acme, bytes, 'image/jpeg', '?probability=1');
    expect(prob.headers.get('x-cache')).toBe('HIT');
    expect(await workerRequests()).toBe(before);
  });

  it('keeps tenants apart: the same bytes from another tenant are a miss and reveal nothing', async () => {
    const bytes = sliceJpeg(testSliceNames()[3]!);
    expect((await post(acme, bytes)).headers.get('x-cache')).toBe('MISS');
    expect((await post(acme, bytes)).headers.get('x-cache')).toBe('HIT');
    const other = await post(globex, bytes);
    expect(other.headers.get('x-cache')).toBe('MISS');
    expect(SliceResult.parse(await other.json()).cached).toBe(false);
    const objects = await stack.env.MASKS.list({ prefix: 'masks/v2/' });
    const tenants = new Set(objects.objects.map((o) => o.key.split('/')[2]));
    expect(tenants).toEqual(new Set(['acme', 'globex']));
  });

  it('keys on every option that changes the input: another window is a miss', async () => {
    const bytes = dicom('CT_small.dcm');
    expect((await post(acme, bytes, 'application/dicom')).headers.get('x-cache')).toBe('MISS');
    expect((await post(acme, bytes, 'application/dicom')).headers.get('x-cache')).toBe('HIT');
    expect((await post(acme, bytes, 'application/dicom', '?window=file')).headers.get('x-cache')).toBe('MISS');
    expect((await post(acme, bytes, 'application/dicom', '?windowCenter=-500&windowWidth=1400')).headers.get('x-cache')).toBe('MISS');
  });

  it('stores only model-size probability maps and lung label PNGs in R2, never the upload, each with an expiry', async () => {
    const uploads = [2, 3].map((i) => sliceJpeg(testSliceNames()[i]!));
    const listed = await stack.env.MASKS.list({ prefix: 'masks/', include: ['customMetadata'] });
    expect(listed.objects.length).toBeGreaterThan(0);
    for (const o of listed.objects) {
      expect(Number(o.customMetadata?.['expiresAt'])).toBeGreaterThan(Date.now());
      const body = new Uint8Array(await (await stack.env.MASKS.get(o.key))!.arrayBuffer());
      // The map, then one PNG of lung labels (a few KB), and nothing else.
      const png = body.subarray(352 * 352);
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(png.length).toBeLessThan(16_384);
      expect(JSON.parse(o.customMetadata!['lung']!)).toMatchObject({ found: expect.any(Boolean), method: expect.any(String) });
      for (const u of uploads) expect(Buffer.from(body).includes(Buffer.from(u.subarray(0, 64)))).toBe(false);
    }
  });

  it('treats an expired entry as a miss and deletes it', async () => {
    const bytes = sliceJpeg(testSliceNames()[4]!);
    await post(acme, bytes);
    const listed = await stack.env.MASKS.list({ prefix: 'masks/v2/acme/', include: ['customMetadata'] });
    for (const o of listed.objects) {
      const obj = (await stack.env.MASKS.get(o.key))!;
      await stack.env.MASKS.put(o.key, await obj.arrayBuffer(), { customMetadata: { ...o.customMetadata, expiresAt: String(Date.now() - 1) } });
    }
    expect((await post(acme, bytes)).headers.get('x-cache')).toBe('MISS');
    expect((await post(acme, bytes)).headers.get('x-cache')).toBe('HIT');
  });
});
