import { describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, signRequest, TIMESTAMP_HEADER, verifyRequest, type VerifyOptions } from './request-signing.js';

const secret = 'a-shared-secret-of-at-least-32-characters';
const body = new TextEncoder().encode('payload');
const now = 1_700_000_000_000;

/** Verify options naming the target `target` (not the deprecated `path`). */
type Options = Omit<VerifyOptions, 'target' | 'path'> & { target: string };

/** Signs POST `signedFor` (default /v1/infer) and returns verify options for it, overridden. */
async function signed(overrides: Partial<Options> = {}, signedFor = '/v1/infer', signedBody = body): Promise<Options> {
  const headers = await signRequest(secret, { method: 'POST', target: signedFor, body: signedBody, timestamp: now });
  return {
    secret,
    method: 'POST',
    target: signedFor,
    body: signedBody,
    signature: headers[SIGNATURE_HEADER],
    timestamp: headers[TIMESTAMP_HEADER],
    now,
    maxSkewMs: 60_000,
    ...overrides,
  };
}

describe('request signing', () => {
  it('verifies its own signature, hex-encoded with a scheme tag', async () => {
    const o = await signed();
    expect(o.signature).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(await verifyRequest(o)).toBeUndefined();
  });

  it('binds method, target and body', async () => {
    expect(await verifyRequest(await signed({ method: 'PUT' }))).toBe('signature_mismatch');
    expect(await verifyRequest(await signed({ target: '/v1/other' }))).toBe('signature_mismatch');
    expect(await verifyRequest(await signed({ body: new TextEncoder().encode('payloaD') }))).toBe('signature_mismatch');
    expect(await verifyRequest(await signed({ secret: secret + 'x' }))).toBe('signature_mismatch');
  });

  it('binds the query string: added, removed or changed, it no longer verifies', async () => {
    expect(await verifyRequest(await signed({ target: '/v1/infer?x=1' }))).toBe('signature_mismatch');
    expect(await verifyRequest(await signed({ target: '/v1/infer?' }))).toBe('signature_mismatch');
    const withQuery = (target: string) => signed({ target }, '/v1/infer?x=1');
    expect(await verifyRequest(await withQuery('/v1/infer?x=1'))).toBeUndefined();
    for (const target of ['/v1/infer', '/v1/infer?x=2', '/v1/infer?x=1&y=2', '/v1/infer?X=1']) {
      expect(await verifyRequest(await withQuery(target)), target).toBe('signature_mismatch');
    }
  });

  it('cannot move bytes between the target and the body at the `:` that separates them', async () => {
    // Signed: target `/v1/infer?a=1`, body `:X payload`. Replayed: target `/v1/infer?a=1:X`, body ` payload`.
    const o = await signed({}, '/v1/infer?a=1', new TextEncoder().encode(':X payload'));
    expect(await verifyRequest(o)).toBeUndefined();
    expect(await verifyRequest({ ...o, target: '/v1/infer?a=1:X', body: new TextEncoder().encode(' payload') })).toBe('signature_mismatch');
    // And the escaping itself is one-to-one: a literal `%3A` is not a `:`.
    const colon = await signed({}, '/v1/infer?a=:');
    expect(await verifyRequest({ ...colon, target: '/v1/infer?a=%3A' })).toBe('signature_mismatch');
  });

  it('signs a target without `:` or `%` exactly as the v1 format always did', async () => {
    // HMAC over "v1:<ts>:POST:/v1/infer:" + body, computed independently: edges and workers of
    // before this change still agree with these on every call the edge makes (no query).
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const bytes = new Uint8Array([...new TextEncoder().encode(`v1:${now}:POST:/v1/infer:`), ...body]);
    const hex = Array.from(new Uint8Array(await crypto.subtle.sign('HMAC', key, bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
    expect((await signed()).signature).toBe(`v1=${hex}`);
  });

  it('bounds the clock skew in both directions', async () => {
    expect(await verifyRequest(await signed({ now: now + 60_000 }))).toBeUndefined();
    expect(await verifyRequest(await signed({ now: now + 60_001 }))).toBe('signature_stale');
    expect(await verifyRequest(await signed({ now: now - 60_001 }))).toBe('signature_stale');
  });

  it('classifies missing and malformed headers', async () => {
    expect(await verifyRequest(await signed({ signature: undefined }))).toBe('signature_missing');
    expect(await verifyRequest(await signed({ timestamp: undefined }))).toBe('signature_missing');
    expect(await verifyRequest(await signed({ signature: 'v2=' + '0'.repeat(64) }))).toBe('signature_malformed');
    expect(await verifyRequest(await signed({ signature: 'v1=' + 'G'.repeat(64) }))).toBe('signature_malformed');
    expect(await verifyRequest(await signed({ timestamp: '1e12' }))).toBe('signature_malformed');
  });
});
