/**
 * Regression (hardening probe): an upload token's quota was spent before decoding and inference,
 * so a 422 and a 503 used up a 2-upload token. Now a request that fails gives its slices back,
 * and the count stays exact under concurrency. Real stack: workerd, D1, the QuotaCounter Durable
 * Object and a real GPU worker.
 */
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenResponse } from '../../edge/src/auth/upload-token-schemas.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { sliceJpeg, testSliceNames } from './fixtures.js';

const stacks: EdgeStack[] = [];
afterAll(() => Promise.all(stacks.map((s) => s.stop())));

async function tokenFor(s: EdgeStack, maxUploads: number): Promise<string> {
  const key = await s.key('acme');
  const res = await s.fetch('/v1/tokens', {
    method: 'POST',
    body: JSON.stringify({ expiresInMinutes: 5, maxUploads }),
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  });
  return TokenResponse.parse(await res.json()).token;
}

const post = (s: EdgeStack, token: string, body: Uint8Array) =>
  s.fetch('/v1/segment', { method: 'POST', body: body as Uint8Array<ArrayBuffer>, headers: { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg' } });

/** A real slice cut short: the decoder answers 422. */
const damaged = (i: number) => sliceJpeg(testSliceNames()[i]!).subarray(0, 2_000);

describe('upload-token quota', () => {
  it('is not spent by uploads that fail to decode (422)', async () => {
    const s = await startEdgeStack();
    stacks.push(s);
    const token = await tokenFor(s, 2);
    expect((await post(s, token, damaged(0))).status).toBe(422);
    expect((await post(s, token, damaged(1))).status).toBe(422);
    expect((await post(s, token, sliceJpeg(testSliceNames()[2]!))).status).toBe(200);
    expect((await post(s, token, sliceJpeg(testSliceNames()[3]!))).status).toBe(200);
    const over = await post(s, token, sliceJpeg(testSliceNames()[4]!));
    expect(over.status).toBe(403);
    expect(await over.json()).toMatchObject({ code: 'upload_limit_reached', field: 'maxUploads' });
  });

  it('stays exact under concurrency: 12 uploads at once on a 3-upload token, 3 answered', async () => {
    const s = stacks[0]!;
    const token = await tokenFor(s, 3);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => post(s, token, sliceJpeg(testSliceNames()[10 + i]!))));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses.filter((x) => x === 200)).toHaveLength(3);
    expect(statuses.filter((x) => x === 403)).toHaveLength(9);
  });

  it('is not spent when no GPU worker can serve (503)', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await new Promise((r) => server.close(r));
    const s = await startEdgeStack({ workers: 0, extraOrigins: [`http://127.0.0.1:${port}`] });
    stacks.push(s);
    const token = await tokenFor(s, 1);
    expect((await post(s, token, sliceJpeg(testSliceNames()[0]!))).status).toBe(503);
    // Still the token's one upload left, not 403 upload_limit_reached.
    expect((await post(s, token, sliceJpeg(testSliceNames()[1]!))).status).toBe(503);
  });
});
