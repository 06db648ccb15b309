/**
 * Regression (security review): an upload token's tenant must be its issuing key's tenant. A
 * token signed with the token secret (leaked, or the public development one) that claims another
 * tenant while naming a real key id was accepted and read that tenant's cache (X-Cache: HIT).
 * End to end in workerd: the forged token gets 401 and never reaches the cache.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenPayload, TokenResponse } from '../../edge/src/auth/upload-token-schemas.js';
import { mintUploadToken } from '../../edge/src/auth/upload-token.js';
import { Problem } from '../../shared/problem.js';
import { startEdgeStack, TOKEN_SECRET, type EdgeStack } from './edge-stack.js';
import { sliceJpeg, testSliceNames } from './fixtures.js';

let stack: EdgeStack;
let acme: string;
let other: string;
const slice = sliceJpeg(testSliceNames()[11]!);

beforeAll(async () => {
  stack = await startEdgeStack();
  [acme, other] = await Promise.all([stack.key('acme'), stack.key('other')]);
});
afterAll(() => stack?.stop());

const segment = (credential: string) =>
  stack.fetch('/v1/segment', { method: 'POST', body: slice, headers: { authorization: `Bearer ${credential}`, 'content-type': 'image/jpeg' } });

/** The signed payload of a token, read the way anyone holding it can (it is only base64url). */
function payloadOf(token: string): TokenPayload {
  const body = token.slice('bsu_'.length).split('.')[0]!;
  return TokenPayload.parse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
}

describe('an upload token claiming a tenant its issuing key does not belong to', () => {
  it('is refused 401 invalid_token and never answers from that tenant’s cache', async () => {
    // acme has a cache entry for the slice: a repeat upload of acme's is a HIT.
    expect((await segment(acme)).headers.get('x-cache')).toBe('MISS');
    expect((await segment(acme)).headers.get('x-cache')).toBe('HIT');

    // A real token of tenant `other`, minted through the API.
    const minted = await stack.fetch('/v1/tokens', {
      method: 'POST',
      body: JSON.stringify({ expiresInMinutes: 5, maxUploads: 5 }),
      headers: { authorization: `Bearer ${other}`, 'content-type': 'application/json' },
    });
    expect(minted.status).toBe(201);
    const real = TokenResponse.parse(await minted.json());
    const { kid, ten } = payloadOf(real.token);
    expect(ten).toBe('other');

    // Forged: tenant acme, other's real key id, signed with the stack's token secret.
    const forged = await mintUploadToken(TOKEN_SECRET, { kind: 'api_key', tenant: 'acme', id: kid, scopes: ['segment', 'tokens:create'] }, { expiresInMinutes: 5, maxUploads: 5 });
    expect(payloadOf(forged.token)).toMatchObject({ ten: 'acme', kid });

    const res = await segment(forged.token);
    expect(res.headers.get('x-cache'), 'the forged token must not reach acme’s cache').toBeNull();
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="bsnet", error="invalid_token"');
    expect(Problem.parse(await res.json()).code).toBe('token_invalid');

    // The real token still works, as its own tenant: acme's entry is not other's (a MISS).
    const own = await segment(real.token);
    expect(own.status).toBe(200);
    expect(own.headers.get('x-cache')).toBe('MISS');
  });
});
