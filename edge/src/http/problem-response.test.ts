/**
 * The edge's one error handler: ProblemErrors keep their answer, anything else is a 500 logged by
 * name only, and a request whose client went away (request.signal aborted) is logged as aborted
 * with 499, not as an unhandled error (regression: client disconnects were `500 unhandled`).
 */
import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Problem } from '../../../shared/problem.js';
import type { EdgeEnv } from './edge-env.js';
import { EdgeError } from './edge-error.js';
import { handleError } from './problem-response.js';

function app(fail: (signal: AbortSignal) => never): Hono<EdgeEnv> {
  const a = new Hono<EdgeEnv>();
  a.onError(handleError);
  a.get('/x', (c) => fail(c.req.raw.signal));
  return a;
}

const logged = () => vi.mocked(console.log).mock.calls.map((c) => String(c[0])).concat(vi.mocked(console.error).mock.calls.map((c) => String(c[0])));

afterEach(() => vi.restoreAllMocks());

describe('handleError', () => {
  it('answers an aborted request 499 and logs it as aborted, not unhandled', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const client = new AbortController();
    client.abort(new DOMException('The client went away', 'AbortError'));
    const res = await app((signal) => {
      throw signal.reason;
    }).request('/x', { signal: client.signal });
    expect(res.status).toBe(499);
    expect(Problem.parse(await res.json()).code).toBe('client_closed_request');
    expect(logged().some((l) => l.includes('"event":"aborted"'))).toBe(true);
    expect(logged().some((l) => l.includes('"event":"unhandled"'))).toBe(false);
  });

  it('keeps a ProblemError as it is, and turns anything else into a 500 logged by name only', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const refused = await app(() => {
      throw new EdgeError(413, 'body_too_large', 'request body exceeds 10 bytes', { field: 'body' });
    }).request('/x');
    expect(refused.status).toBe(413);
    expect(Problem.parse(await refused.json())).toMatchObject({ code: 'body_too_large', field: 'body' });
    const broken = await app(() => {
      throw new TypeError('patient Jane Doe, slice 3');
    }).request('/x');
    expect(broken.status).toBe(500);
    expect(logged().find((l) => l.includes('"event":"unhandled"'))).toMatch(/"error":"TypeError"/);
    expect(logged().join('\n')).not.toContain('Jane Doe');
  });
});
