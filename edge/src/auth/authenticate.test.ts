/**
 * authenticate() and requireScope() through a real Hono app over a real D1: every way a
 * credential is refused, and revocation taking effect on the very next request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_TOKEN_SIGNING_SECRET } from '../../../shared/dev-secrets.js';
import { authApp, type AuthApp } from './auth-app.test-support.js';
import { createKey, revokeKey } from './key-store.js';
import { mintUploadToken } from './upload-token.js';
import { openTestD1, type TestD1 } from './test-d1.test-support.js';

let d1: TestD1;
let app: AuthApp;
beforeAll(async () => {
  d1 = await openTestD1();
  app = authApp(d1);
});
afterAll(() => d1?.dispose());

async function problem(res: Response) {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return { status: res.status, ...((await res.json()) as { code: string; field?: string }), challenge: res.headers.get('www-authenticate') };
}

async function mint(key: string, body: unknown = {}): Promise<{ token: string; tokenId: string }> {
  const res = await app.request('/v1/tokens', { method: 'POST', credential: key, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return res.json() as Promise<{ token: string; tokenId: string }>;
}

describe('authenticate', () => {
  it('asks for a Bearer credential when there is none', async () => {
    for (const header of [undefined, '', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer    ', 'bsn_live_nobearer']) {
      const res = await app.request('/v1/whoami', header === undefined ? {} : { headers: { Authorization: header } });
      expect(await problem(res)).toMatchObject({ status: 401, code: 'unauthenticated', challenge: 'Bearer realm="bsnet"' });
    }
  });

  it('turns an API key into its principal (scheme case-insensitive)', async () => {
    const { key, record } = await createKey(d1.db, { tenant: 'acme', name: 'k', scopes: ['segment'] });
    const res = await app.request('/v1/whoami', { headers: { Authorization: `bearer ${key}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ kind: 'api_key', tenant: 'acme', id: record.id, scopes: ['segment'] });
  });

  it('refuses unknown keys, and revoked keys from the next request on', async () => {
    for (const credential of ['short', 'bsn_live_an-unknown-but-long-enough-key']) {
      expect(await problem(await app.request('/v1/whoami', { credential }))).toMatchObject({
        status: 401,
        code: 'invalid_api_key',
        challenge: 'Bearer realm="bsnet", error="invalid_token"',
      });
    }
    const { key, record } = await createKey(d1.db, { tenant: 'acme', name: 'k', scopes: ['segment'] });
    expect((await app.request('/v1/whoami', { credential: key })).status).toBe(200);
    await revokeKey(d1.db, record.id);
    expect(await problem(await app.request('/v1/whoami', { credential: key }))).toMatchObject({ status: 401, code: 'api_key_revoked' });
  });

  it('turns an upload token into its principal until it expires', async () => {
    const { key, record } = await createKey(d1.db, { tenant: 'acme', name: 'k', scopes: ['segment', 'tokens:create'] });
    const { token, tokenId } = await mint(key, { expiresInMinutes: 5, maxUploads: 3 });
    const res = await app.request('/v1/whoami', { credential: token });
    expect(await res.json()).toMatchObject({ kind: 'upload_token', tenant: 'acme', id: tokenId, issuerKeyId: record.id, scopes: ['segment'], maxUploads: 3 });
    app.clock.now = Date.now() + 5 * 60_000 + 1000;
    try {
      expect(await problem(await app.request('/v1/whoami', { credential: token }))).toMatchObject({ status: 401, code: 'token_expired' });
    } finally {
      app.clock.now = Date.now();
    }
    expect(await problem(await app.request('/v1/whoami', { credential: `${token.slice(0, -3)}AAA` }))).toMatchObject({ status: 401, code: 'token_invalid' });
  });

  it('refuses a token whose tenant is not its issuing key’s, even when properly signed', async () => {
    // The app runs with the public development secret, so anyone can sign a payload of their choosing.
    const { record } = await createKey(d1.db, { tenant: 'other', name: 'k', scopes: ['segment', 'tokens:create'] });
    const asKey = (tenant: string) => ({ kind: 'api_key', tenant, id: record.id, scopes: ['segment', 'tokens:create'] }) as const;
    const forged = await mintUploadToken(DEV_TOKEN_SIGNING_SECRET, asKey('acme'), { expiresInMinutes: 5, maxUploads: 3 });
    expect(await problem(await app.request('/v1/whoami', { credential: forged.token }))).toMatchObject({
      status: 401,
      code: 'token_invalid',
      challenge: 'Bearer realm="bsnet", error="invalid_token"',
    });
    // The same token with the key's own tenant is the key's: the principal's tenant is the key's.
    const own = await mintUploadToken(DEV_TOKEN_SIGNING_SECRET, asKey('other'), { expiresInMinutes: 5, maxUploads: 3 });
    expect(await (await app.request('/v1/whoami', { credential: own.token })).json()).toMatchObject({ kind: 'upload_token', tenant: 'other', issuerKeyId: record.id });
  });

  it('refuses a signed token naming a key that does not exist', async () => {
    const ghost = { kind: 'api_key', tenant: 'acme', id: 'key_neverexisted000', scopes: ['segment', 'tokens:create'] } as const;
    const forged = await mintUploadToken(DEV_TOKEN_SIGNING_SECRET, ghost, { expiresInMinutes: 5, maxUploads: 3 });
    expect(await problem(await app.request('/v1/whoami', { credential: forged.token }))).toMatchObject({ status: 401, code: 'token_invalid' });
  });

  it('kills every token of a key the moment the key is revoked', async () => {
    const { key, record } = await createKey(d1.db, { tenant: 'acme', name: 'k', scopes: ['segment', 'tokens:create'] });
    const { token } = await mint(key);
    expect((await app.request('/v1/whoami', { credential: token })).status).toBe(200);
    await revokeKey(d1.db, record.id);
    expect(await problem(await app.request('/v1/whoami', { credential: token }))).toMatchObject({ status: 401, code: 'token_revoked' });
  });
});

describe('requireScope', () => {
  it('refuses a principal without the scope with 403 naming it', async () => {
    const { key } = await createKey(d1.db, { tenant: 'acme', name: 'k', scopes: ['segment'] });
    expect(await problem(await app.request('/v1/mint-only', { credential: key }))).toMatchObject({
      status: 403,
      code: 'insufficient_scope',
      field: 'scope',
      challenge: 'Bearer realm="bsnet", error="insufficient_scope", scope="tokens:create"',
    });
    const both = await createKey(d1.db, { tenant: 'acme', name: 'k', scopes: ['segment', 'tokens:create'] });
    expect(await (await app.request('/v1/mint-only', { credential: both.key })).text()).toBe('ok');
  });
});
