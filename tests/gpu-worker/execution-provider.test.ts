/**
 * A required execution provider is never silently replaced by the CPU: if it cannot run here,
 * the worker stays alive (healthz) but never reports ready. On a machine where the provider
 * works, it must be the one reported.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../shared/frame-codec.js';
import { postRaw, readJson, requestHeader, startHarness, testSlice, type Harness } from './worker-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('gpu-worker execution providers', () => {
  for (const provider of ['cuda', 'webgpu'] as const) {
    it(`requiring ${provider} either runs on ${provider} or refuses readiness`, async () => {
      h = await startHarness({ BSNET_EXECUTION_PROVIDER: provider });
      expect((await fetch(h.worker.url + '/healthz')).status).toBe(200);
      const res = await fetch(h.worker.url + '/readyz');
      const body = await readJson(res);
      if (h.worker.state.phase === 'ready') {
        expect(res.status).toBe(200);
        expect(body.executionProvider).toBe(provider);
      } else {
        expect(res.status).toBe(503);
        expect(body.code).toBe('not_ready_failed');
        expect(body.detail).toContain(provider);
        expect(h.worker.state.attempts?.map((a) => a.provider)).toEqual([provider]);
        const infer = await postRaw(h.worker.url, encodeFrame(requestHeader(1), [testSlice(1)]));
        expect(infer.status).toBe(503);
      }
    });
  }

  it('auto tries cuda, then webgpu, then cpu, and reports what it really uses', async () => {
    h = await startHarness({ BSNET_EXECUTION_PROVIDER: 'auto' });
    const body = await readJson(await fetch(h.worker.url + '/readyz'));
    const attempts = body.providerAttempts as { provider: string; ok: boolean }[];
    expect(['cuda', 'webgpu', 'cpu']).toContain(body.executionProvider);
    expect(attempts.at(-1)).toMatchObject({ provider: body.executionProvider, ok: true });
    expect(attempts.slice(0, -1).every((a) => !a.ok)).toBe(true);
    expect(attempts.map((a) => a.provider)).toEqual(['cuda', 'webgpu', 'cpu'].slice(0, attempts.length));
  });
});
