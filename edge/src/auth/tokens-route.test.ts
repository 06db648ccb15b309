/** POST /v1/tokens through a real Hono app over a real D1: who may mint, and body validation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authApp, type AuthApp } from './auth-app.test-support.js';
import { createKey } from './key-store.js';
import { openTestD1, type TestD1 } from './test-d1.test-support.js';
import { TokenResponse } from './upload-token-schemas.js';

let d1: TestD1;
let app: AuthApp;
let key: string;
beforeAll(async () => {
  d1 = await openTestD1();
  app = authApp(d1);
  key = (await createKey(d1.db, { tenant: 'acme', name: 'minter', scopes: ['segment', 'tokens:create'] })).key;
});
afterAll(() => d1?.dispose());

const post = (credential: string, body?: string, contentType = 'application/json') =>
  app.request('/v1/tokens', {
    method: 'POST',
    credential,
    ...(body === undefined ? {} : { body, headers: { 'Content-Type': contentType } }),
  });

async function problem(res: Response) {
  return { status: res.status, ...((await res.json()) as { code: string; field?: string }) };
}

describe('POST /v1/tokens', () => {
  it('mints a token as asked, uncacheable', async () => {
    const before = Date.now();
    const res = await post(key, JSON.stringify({ expiresInMinutes: 30, maxUploads: 250 }), 'application/json; charset=utf-8');
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const answer = TokenResponse.parse(await res.json());
    expect(answer).toMatchObject({ maxUploads: 250, scopes: ['segment'] });
    const expiresAt = Date.parse(answer.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 30 * 60_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * 60_000);
  });

  it('takes an empty body as all defaults', async () => {
    for (const res of [await post(key), await post(key, '{}')]) {
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ maxUploads: 10 });
    }
  });

  it('refuses bad bodies naming the field', async () => {
    const cases: [string, string | undefined][] = [
      ['{"expiresInMinutes": 61}', 'expiresInMinutes'],
      ['{"expiresInMinutes": "15"}', 'expiresInMinutes'],
      ['{"maxUploads": 0}', 'maxUploads'],
      ['{"maxUploads": 2.5}', 'maxUploads'],
      ['{"maxUploads": 5, "scopes": ["tokens:create"]}', 'scopes'],
      ['[]', undefined],
      ['{"maxUploads": ', undefined],
    ];
    for (const [body, field] of cases) {
      expect(await problem(await post(key, body))).toEqual({ status: 400, code: 'invalid_request', ...(field ? { field } : {}), type: expect.any(String), title: 'Bad Request', detail: expect.any(String) });
    }
  });

  it('takes JSON only', async () => {
    expect(await problem(await post(key, 'maxUploads=5', 'application/x-www-form-urlencoded'))).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  it('is for API keys with tokens:create only', async () => {
    const segmentOnly = (await createKey(d1.db, { tenant: 'acme', name: 'server', scopes: ['segment'] })).key;
    expect(await problem(await post(segmentOnly, '{}'))).toMatchObject({ status: 403, code: 'insufficient_scope', field: 'scope' });
    const { token } = (await (await post(key, '{}')).json()) as { token: string };
    const res = await post(token, '{}');
    expect(await problem(res)).toMatchObject({ status: 403, code: 'insufficient_scope', field: 'scope' });
  });
});
