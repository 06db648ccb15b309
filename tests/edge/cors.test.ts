/**
 * Browsers on other origins are not supported yet (edge/README.md, "Callers and credentials"):
 * the API must not hand them a CORS grant by accident, neither on a preflight nor on a request
 * that carries an Origin. Real stack: the Worker in workerd.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { sliceJpeg, testSliceNames } from './fixtures.js';

let s: EdgeStack;
beforeAll(async () => {
  s = await startEdgeStack();
}, 60_000);
afterAll(() => s?.stop());

describe('cross-origin browser calls', () => {
  it('get no Access-Control-Allow-Origin, on a preflight or on the request itself', async () => {
    const preflight = await s.fetch('/v1/segment', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const key = await s.key('acme');
    const res = await s.fetch('/v1/segment', {
      method: 'POST',
      body: sliceJpeg(testSliceNames()[7]!),
      headers: { origin: 'https://app.example', authorization: `Bearer ${key}`, 'content-type': 'image/jpeg' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });
});
