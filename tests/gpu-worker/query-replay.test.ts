/**
 * Regression (security review): the worker's request signature must cover the query string. A
 * signed call replayed to `/v1/infer?x=1` was served, because only the path was signed. Against
 * a real GPU worker over HTTP: the signature binds the whole request target (path + query).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../shared/frame-codec.js';
import { INFER_PATH, INFER_REQUEST_CONTENT_TYPE } from '../../shared/infer-protocol.js';
import { signRequest } from '../../shared/request-signing.js';
import { readProblem, requestHeader, SECRET, startHarness, testSlice, type Harness } from './worker-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const body = encodeFrame(requestHeader(1), [testSlice(5)]);

/** POSTs `body` to `sentTo`, signed for the request target `signedFor`. */
async function post(signedFor: string, sentTo: string): Promise<Response> {
  const signature = await signRequest(SECRET, { method: 'POST', target: signedFor, body, timestamp: Date.now() });
  return fetch(h.worker.url + sentTo, { method: 'POST', body, headers: { 'content-type': INFER_REQUEST_CONTENT_TYPE, ...signature } });
}

describe('the signature covers the query string', () => {
  it('refuses a call signed for /v1/infer replayed with a query added', async () => {
    const res = await post(INFER_PATH, `${INFER_PATH}?x=1`);
    expect(res.status).toBe(401);
    expect((await readProblem(res)).code).toBe('signature_mismatch');
  });

  it('refuses a call signed with a query sent without it, or with another one', async () => {
    for (const sentTo of [INFER_PATH, `${INFER_PATH}?x=2`, `${INFER_PATH}?x=1&y=2`]) {
      const res = await post(`${INFER_PATH}?x=1`, sentTo);
      expect(res.status, sentTo).toBe(401);
      expect((await readProblem(res)).code).toBe('signature_mismatch');
    }
  });

  it('serves a call signed with its query and sent with the same query', async () => {
    expect((await post(`${INFER_PATH}?x=1`, `${INFER_PATH}?x=1`)).status).toBe(200);
    expect((await post(INFER_PATH, INFER_PATH)).status).toBe(200);
  });
});
