/**
 * Regression (hardening probe): failed authentication was not rate-limited, so credentials could
 * be guessed as fast as the network allows. Now each client address gets AUTH_FAILURES_PER_MINUTE
 * failures, then 429 with Retry-After, before any credential is even looked at. Real stack:
 * workerd with the QuotaCounter Durable Object and D1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Problem } from '../../shared/problem.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { sliceJpeg, testSliceNames } from './fixtures.js';

let s: EdgeStack;
beforeAll(async () => {
  s = await startEdgeStack({ vars: { AUTH_FAILURES_PER_MINUTE: '5' } });
}, 60_000);
afterAll(() => s?.stop());

const segment = (credential: string, address: string) =>
  s.fetch('/v1/segment', {
    method: 'POST',
    body: sliceJpeg(testSliceNames()[5]!),
    headers: { authorization: `Bearer ${credential}`, 'content-type': 'image/jpeg', 'cf-connecting-ip': address },
  });

describe('failed authentication per client address', () => {
  it('answers 429 after the limit, before looking at the credential; other addresses are unaffected', async () => {
    const key = await s.key('acme');
    const attacker = '203.0.113.9';
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await segment(`bsn_live_guess-number-${i}-xxxxxxxxxxxxxxxx`, attacker)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const refused = await segment('bsn_live_guess-number-6-xxxxxxxxxxxxxxxx', attacker);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Problem.parse(await refused.json()).code).toBe('too_many_auth_failures');
    // Even a right guess gets nothing from that address now.
    expect((await segment(key, attacker)).status).toBe(429);
    expect((await segment(key, '198.51.100.7')).status).toBe(200);
  });
});
