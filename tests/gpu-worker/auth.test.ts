/** Only the edge may call inference: HMAC signature rejections are 401 problems. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../shared/frame-codec.js';
import { postRaw, readProblem, requestHeader, startHarness, testSlice, type Harness } from './worker-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const body = encodeFrame(requestHeader(1), [testSlice(3)]);

async function expect401(res: Response, code: string): Promise<void> {
  expect(res.status).toBe(401);
  expect((await readProblem(res)).code).toBe(code);
}

describe('gpu-worker request signatures', () => {
  it('accepts a correctly signed request', async () => {
    expect((await postRaw(h.worker.url, body)).status).toBe(200);
  });

  it('rejects a missing signature', async () => {
    await expect401(await postRaw(h.worker.url, body, { unsigned: true }), 'signature_missing');
  });

  it('rejects a signature made with another secret', async () => {
    await expect401(await postRaw(h.worker.url, body, { secret: 'another-secret-that-is-also-32-characters' }), 'signature_mismatch');
  });

  it('rejects a body changed after signing', async () => {
    const tampered = body.slice();
    tampered[tampered.length - 1]! ^= 0xff;
    await expect401(await postRaw(h.worker.url, tampered, { signedBody: body }), 'signature_mismatch');
  });

  it('rejects stale and future timestamps beyond the allowed skew', async () => {
    await expect401(await postRaw(h.worker.url, body, { timestamp: Date.now() - 5 * 60_000 }), 'signature_stale');
    await expect401(await postRaw(h.worker.url, body, { timestamp: Date.now() + 5 * 60_000 }), 'signature_stale');
  });

  it('rejects malformed signature headers', async () => {
    await expect401(await postRaw(h.worker.url, body, { headers: { 'x-bsnet-signature': 'v1=zz' } }), 'signature_malformed');
    await expect401(await postRaw(h.worker.url, body, { headers: { 'x-bsnet-timestamp': 'yesterday' } }), 'signature_malformed');
  });

  it('counts rejections in the metrics', async () => {
    const text = await (await fetch(h.worker.url + '/metrics')).text();
    expect(text).toMatch(/bsnet_inference_request_failure_total\{reason="signature_mismatch"\} [2-9]/);
  });
});
