import { describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, signRequest, TIMESTAMP_HEADER, verifyRequest, type VerifyOptions } from './request-signing.js';

const secret = 'a-shared-secret-of-at-least-32-characters';
const body = new TextEncoder().encode('payload');

async function signed(overrides: Partial<VerifyOptions> = {}): Promise<VerifyOptions> {
  const now = 1_700_000_000_000;
  const headers = await signRequest(secret, { method: 'POST', path: '/v1/infer', body, timestamp: now });
  return {
    secret,
    method: 'POST',
    path: '/v1/infer',
    body,
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

  it('binds method, path and body', async () => {
    expect(await verifyRequest(await signed({ method: 'PUT' }))).toBe('signature_mismatch');
    expect(await verifyRequest(await signed({ path: '/v1/other' }))).toBe('signature_mismatch');
    expect(await verifyRequest(await signed({ body: new TextEncoder().encode('payloaD') }))).toBe('signature_mismatch');
    expect(await verifyRequest(await signed({ secret: secret + 'x' }))).toBe('signature_mismatch');
  });

  it('bounds the clock skew in both directions', async () => {
    expect(await verifyRequest(await signed({ now: 1_700_000_000_000 + 60_000 }))).toBeUndefined();
    expect(await verifyRequest(await signed({ now: 1_700_000_000_000 + 60_001 }))).toBe('signature_stale');
    expect(await verifyRequest(await signed({ now: 1_700_000_000_000 - 60_001 }))).toBe('signature_stale');
  });

  it('classifies missing and malformed headers', async () => {
    expect(await verifyRequest(await signed({ signature: undefined }))).toBe('signature_missing');
    expect(await verifyRequest(await signed({ timestamp: undefined }))).toBe('signature_missing');
    expect(await verifyRequest(await signed({ signature: 'v2=' + '0'.repeat(64) }))).toBe('signature_malformed');
    expect(await verifyRequest(await signed({ signature: 'v1=' + 'G'.repeat(64) }))).toBe('signature_malformed');
    expect(await verifyRequest(await signed({ timestamp: '1e12' }))).toBe('signature_malformed');
  });
});
