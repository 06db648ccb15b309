/**
 * Who may call the edge, end to end in workerd with miniflare's D1 and Durable Objects: API keys
 * (missing, wrong, revoked, scopes), upload tokens (minting, use, expiry, upload quota, revoked
 * issuer) and per-credential rate limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeKey, listKeys } from '../../edge/src/auth/key-store.js';
import { TokenResponse } from '../../edge/src/auth/upload-token-schemas.js';
import { mintUploadToken } from '../../edge/src/auth/upload-token.js';
import { Problem } from '../../shared/problem.js';
import { startEdgeStack, TOKEN_SECRET, type EdgeStack } from './edge-stack.js';
import { sliceJpeg, testSliceNames } from './fixtures.js';

let stack: EdgeStack;
const slice = sliceJpeg(testSliceNames()[6]!);

beforeAll(async () => {
  stack = await startEdgeStack({ vars: { RATE_LIMIT_KEY_PER_MINUTE: '30', RATE_LIMIT_TOKEN_PER_MINUTE: '30' } });
});
afterAll(() => stack?.stop());

const segment = (credential: string | undefined, body: RequestInit['body'] = slice, type = 'image/jpeg') =>
  stack.fetch('/v1/segment', {
    method: 'POST',
    body,
    headers: { 'content-type': type, ...(credential === undefined ? {} : { authorization: `Bearer ${credential}` }) },
  });

const mint = (credential: string, body: unknown) =>
  stack.fetch('/v1/tokens', { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' } });

async function problemOf(res: Response, status: number, code: string): Promise<Problem> {
  expect(res.status, code).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const p = Problem.parse(await res.json());
  expect(p.code).toBe(code);
  return p;
}

describe('API keys', () => {
  it('refuses a missing or malformed Authorization header with 401 and WWW-Authenticate', async () => {
    const res = await segment(undefined);
    await problemOf(res, 401, 'unauthenticated');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="bsnet"/);
    await problemOf(await stack.fetch('/v1/segment', { method: 'POST', body: slice, headers: { authorization: 'Basic abc' } }), 401, 'unauthenticated');
  });

  it('refuses an unknown key', async () => {
    await problemOf(await segment('bsn_live_this-key-was-never-issued-000000000000'), 401, 'invalid_api_key');
  });

  it('stores only hashes, and revocation takes effect on the next request', async () => {
    const key = await stack.key('acme');
    expect((await segment(key)).status).toBe(200);
    const [record] = (await listKeys(stack.env.DB, { tenant: 'acme' })).slice(-1);
    const row = await stack.env.DB.prepare('SELECT * FROM api_keys WHERE id = ?').bind(record!.id).first<Record<string, unknown>>();
    expect(Object.values(row!)).not.toContain(key);
    expect(JSON.stringify(row)).not.toContain(key.slice(9));
    await revokeKey(stack.env.DB, record!.id);
    await problemOf(await segment(key), 401, 'api_key_revoked');
  });

  it('enforces scopes: a key without segment gets 403 naming the scope', async () => {
    const tokensOnly = await stack.key('acme', ['tokens:create']);
    const p = await problemOf(await segment(tokensOnly), 403, 'insufficient_scope');
    expect(p.detail).toMatch(/segment/);
    const segmentOnly = await stack.key('acme', ['segment']);
    await problemOf(await mint(segmentOnly, {}), 403, 'insufficient_scope');
  });
});

describe('upload tokens', () => {
  it('a partner key mints a short-lived token a mobile app can segment with, up to its upload count', async () => {
    const key = await stack.key('acme');
    const res = await mint(key, { expiresInMinutes: 5, maxUploads: 2 });
    expect(res.status).toBe(201);
    const token = TokenResponse.parse(await res.json());
    expect(token.token).toMatch(/^bsu_/);
    expect(token.maxUploads).toBe(2);
    expect(Date.parse(token.expiresAt) - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    expect((await segment(token.token)).status).toBe(200);
    expect((await segment(token.token)).status).toBe(200);
    await problemOf(await segment(token.token), 403, 'upload_limit_reached');
    // A token cannot mint tokens.
    await problemOf(await mint(token.token, {}), 403, 'insufficient_scope');
  });

  it('refuses an expired token, a tampered one and one whose issuing key was revoked', async () => {
    const key = await stack.key('globex');
    const [record] = (await listKeys(stack.env.DB, { tenant: 'globex' })).slice(-1);
    const principal = { kind: 'api_key' as const, tenant: 'globex', id: record!.id, scopes: ['segment', 'tokens:create'] as const };
    const expired = await mintUploadToken(TOKEN_SECRET, principal, { expiresInMinutes: 1, maxUploads: 5 }, Date.now() - 2 * 60_000);
    await problemOf(await segment(expired.token), 401, 'token_expired');

    const good = TokenResponse.parse(await (await mint(key, { expiresInMinutes: 10, maxUploads: 5 })).json());
    const tampered = good.token.slice(0, -3) + (good.token.endsWith('AAA') ? 'BBB' : 'AAA');
    await problemOf(await segment(tampered), 401, 'token_invalid');
    const forged = await mintUploadToken('some-other-secret-that-is-long-enough', principal, { expiresInMinutes: 10, maxUploads: 5 });
    await problemOf(await segment(forged.token), 401, 'token_invalid');

    expect((await segment(good.token)).status).toBe(200);
    await revokeKey(stack.env.DB, record!.id);
    await problemOf(await segment(good.token), 401, 'token_revoked');
  });

  it('validates the token request body', async () => {
    const key = await stack.key('acme');
    const p = await problemOf(await mint(key, { expiresInMinutes: 600 }), 400, 'invalid_request');
    expect(p.field).toBe('expiresInMinutes');
    const res = await stack.fetch('/v1/tokens', { method: 'POST', body: 'x', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/plain' } });
    await problemOf(res, 415, 'unsupported_media_type');
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After once a key spends its per-minute budget, per key', async () => {
    const key = await stack.key('initech');
    const other = await stack.key('initech');
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await stack.fetch('/v1/tokens', { method: 'POST', body: '{}', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }
    expect(statuses.filter((s) => s === 201)).toHaveLength(30);
    const p = await problemOf(limited!, 429, 'rate_limited');
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(p.retryAfter).toBe(Number(limited!.headers.get('retry-after')));
    expect((await mint(other, {})).status).toBe(201);
  });
});
