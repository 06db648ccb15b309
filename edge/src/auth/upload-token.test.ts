/**
 * Upload tokens: minted and verified with a real HMAC, then every way a token can be wrong
 * (tampered payload or signature, wrong secret, expiry, malformed text). Also the wire schemas.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Principal } from '../http/edge-env.js';
import { EdgeError } from '../http/edge-error.js';
import { mintUploadToken, verifyUploadToken } from './upload-token.js';
import { TokenPayload, TokenRequest, TokenResponse } from './upload-token-schemas.js';

const SECRET = 'a-test-signing-secret-of-some-length';
const KEY: Principal = { kind: 'api_key', tenant: 'acme', id: 'key_abcdefgh', scopes: ['segment', 'tokens:create'] };
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const defaults = TokenRequest.parse({});

async function refusal(promise: Promise<unknown>): Promise<EdgeError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EdgeError);
  return err as EdgeError;
}

/** Signs an arbitrary payload part the way mintUploadToken does. */
function forge(payload: unknown, secret = SECRET): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `bsu_${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

describe('upload tokens', () => {
  it('mint a segment-only token for the key and verify to its principal', async () => {
    const answer = await mintUploadToken(SECRET, KEY, { expiresInMinutes: 15, maxUploads: 7 }, NOW);
    expect(TokenResponse.parse(answer)).toEqual(answer);
    expect(answer).toMatchObject({ maxUploads: 7, scopes: ['segment'], expiresAt: '2026-01-01T12:15:00.000Z' });
    const [body, sig] = answer.token.slice(4).split('.') as [string, string];
    expect(createHmac('sha256', SECRET).update(body).digest('base64url')).toBe(sig);
    expect(TokenPayload.parse(JSON.parse(Buffer.from(body, 'base64url').toString()))).toEqual({
      v: 1, jti: answer.tokenId, ten: 'acme', kid: 'key_abcdefgh', scp: ['segment'], exp: NOW / 1000 + 900, max: 7,
    });
    expect(await verifyUploadToken(SECRET, answer.token, NOW + 60_000)).toEqual({
      kind: 'upload_token', tenant: 'acme', id: answer.tokenId, issuerKeyId: 'key_abcdefgh',
      scopes: ['segment'], maxUploads: 7, expiresAt: NOW + 900_000,
    });
  });

  it('expire at exp: valid a millisecond before, token_expired from then on', async () => {
    const { token } = await mintUploadToken(SECRET, KEY, { expiresInMinutes: 1, maxUploads: 1 }, NOW);
    await expect(verifyUploadToken(SECRET, token, NOW + 59_999)).resolves.toMatchObject({ kind: 'upload_token' });
    const err = await refusal(verifyUploadToken(SECRET, token, NOW + 60_000));
    expect([err.status, err.code]).toEqual([401, 'token_expired']);
    expect(err.headers['WWW-Authenticate']).toBe('Bearer realm="bsnet", error="invalid_token"');
  });

  it('refuse tampering, other secrets and malformed text as token_invalid', async () => {
    const { token } = await mintUploadToken(SECRET, KEY, defaults, NOW);
    const [body, sig] = token.slice(4).split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as TokenPayload;
    const raised = Buffer.from(JSON.stringify({ ...payload, max: 1000 })).toString('base64url');
    const flipped = `${sig.slice(0, -2)}${sig.at(-2) === 'A' ? 'B' : 'A'}${sig.at(-1)}`;
    const bad = [
      `bsu_${raised}.${sig}`,
      `bsu_${body}.${flipped}`,
      `bsu_${body}.${sig.slice(0, -1)}`,
      `bsu_${body}.${sig}=`,
      `bsu_${body}.${sig}.x`,
      `bsu_${body}`,
      'bsu_',
      'bsu_...',
      `bsu_${body}.${sig}${'A'.repeat(2000)}`,
      forge(payload, 'another-secret-of-enough-length'),
      forge({ ...payload, scp: ['segment', 'tokens:create'] }, 'another-secret-of-enough-length'),
    ];
    for (const candidate of bad) {
      const err = await refusal(verifyUploadToken(SECRET, candidate, NOW));
      expect([candidate, err.status, err.code]).toEqual([candidate, 401, 'token_invalid']);
    }
  });

  it('refuse a correctly signed payload of the wrong shape (strict schema)', async () => {
    const { token } = await mintUploadToken(SECRET, KEY, defaults, NOW);
    const payload = JSON.parse(Buffer.from(token.slice(4).split('.')[0]!, 'base64url').toString()) as TokenPayload;
    for (const wrong of [{ ...payload, v: 2 }, { ...payload, scp: ['tokens:create'] }, { ...payload, admin: true }, [payload]]) {
      expect((await refusal(verifyUploadToken(SECRET, forge(wrong), NOW))).code).toBe('token_invalid');
    }
    expect(await verifyUploadToken(SECRET, forge(payload), NOW)).toMatchObject({ id: payload.jti });
  });

  it('are minted by API keys only', async () => {
    const token = await verifyUploadToken(SECRET, (await mintUploadToken(SECRET, KEY, defaults, NOW)).token, NOW);
    const err = await refusal(mintUploadToken(SECRET, token, defaults, NOW));
    expect([err.status, err.code, err.field]).toEqual([403, 'insufficient_scope', 'scope']);
  });
});

describe('token wire schemas', () => {
  it('default to 15 minutes and 10 uploads, and bound both', () => {
    expect(TokenRequest.parse({})).toEqual({ expiresInMinutes: 15, maxUploads: 10 });
    for (const bad of [{ expiresInMinutes: 0 }, { expiresInMinutes: 61 }, { maxUploads: 1001 }, { maxUploads: 1.5 }, { extra: 1 }]) {
      expect(TokenRequest.safeParse(bad).success).toBe(false);
    }
  });

  it('carry ids and descriptions into JSON Schema', () => {
    type Json = { $defs: Record<string, { description?: string; required?: string[]; properties: Record<string, Record<string, unknown>> }> };
    const request = (z.toJSONSchema(TokenRequest, { io: 'input' }) as Json).$defs['TokenRequest']!;
    expect(request.description).toMatch(/upload token/);
    expect(request.properties['maxUploads']).toMatchObject({ default: 10, maximum: 1000, description: expect.any(String) });
    const response = (z.toJSONSchema(TokenResponse) as Json).$defs['TokenResponse']!;
    expect(response.required).toEqual(['token', 'tokenId', 'expiresAt', 'maxUploads', 'scopes']);
    expect(response.properties['token']).toMatchObject({ type: 'string', pattern: expect.stringMatching(/^\^bsu_/) });
  });
});
