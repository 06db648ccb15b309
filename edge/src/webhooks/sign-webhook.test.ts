/**
 * Webhook signatures against the Standard Webhooks reference: the spec's test vector (from the
 * reference JavaScript library's tests), and that library (`standardwebhooks`) as the oracle
 * both ways: it verifies what we sign, we verify what it signs.
 */
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WEBHOOK_SECRET_PREFIX, newWebhookSecret, signWebhook, verifyWebhook } from './sign-webhook.js';

/** The reference vector (standard-webhooks libraries/javascript/src/webhook.test.ts, "sign function works"). */
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestampS: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

function headersOf(id: string, timestampS: number | string, signature: string): Headers {
  return new Headers({ 'webhook-id': id, 'webhook-timestamp': String(timestampS), 'webhook-signature': signature });
}

const vectorHeaders = () => headersOf(VECTOR.id, VECTOR.timestampS, VECTOR.signature);

afterEach(() => {
  vi.useRealTimers();
});

describe('signWebhook', () => {
  it('reproduces the Standard Webhooks test vector', async () => {
    expect(await signWebhook(VECTOR.secret, VECTOR.id, VECTOR.timestampS, VECTOR.body)).toBe(VECTOR.signature);
    // The reference libraries take the secret without its prefix too.
    expect(await signWebhook(VECTOR.secret.slice(WEBHOOK_SECRET_PREFIX.length), VECTOR.id, VECTOR.timestampS, VECTOR.body)).toBe(VECTOR.signature);
  });

  it('is verified by the reference library, non-ASCII body included', async () => {
    const secret = newWebhookSecret();
    const body = JSON.stringify({ type: 'study.completed', data: { studyId: 'std_1', note: 'Lunge – ß ✓ 肺' } });
    const nowS = Math.floor(Date.now() / 1000);
    const signature = await signWebhook(secret, 'evt_1', nowS, body);
    const theirs = new Webhook(secret);
    expect(theirs.sign('evt_1', new Date(nowS * 1000), body)).toBe(signature);
    expect(theirs.verify(body, { 'webhook-id': 'evt_1', 'webhook-timestamp': String(nowS), 'webhook-signature': signature })).toEqual(JSON.parse(body));
  });

  it('names the argument it refuses', async () => {
    const cases: [Parameters<typeof signWebhook>, string][] = [
      [['whsec_', 'e', 1, ''], 'secret: must be whsec_ followed by standard base64'],
      [['whsec_not base64!', 'e', 1, ''], 'secret: must be whsec_'],
      [['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS', 'e', 1, ''], 'secret: must be whsec_'], // unpadded length
      [[`whsec_${btoa('x'.repeat(16))}`, 'e', 1, ''], 'secret: must decode to 24-64 bytes, got 16'],
      [[`whsec_${btoa('x'.repeat(65))}`, 'e', 1, ''], 'secret: must decode to 24-64 bytes, got 65'],
      [[VECTOR.secret, '', 1, ''], 'id: must be non-empty'],
      [[VECTOR.secret, 'a b', 1, ''], 'id: must be non-empty, without whitespace'],
      [[VECTOR.secret, 'e', 1.5, ''], 'timestampS: must be whole unix seconds, got 1.5'],
      [[VECTOR.secret, 'e', -1, ''], 'timestampS: must be whole unix seconds'],
      [[VECTOR.secret, 'e', Number.NaN, ''], 'timestampS: must be whole unix seconds'],
    ];
    for (const [args, message] of cases) {
      const refused = signWebhook(...args);
      await expect(refused, args.join(' | ')).rejects.toThrow(message);
      await expect(refused).rejects.toBeInstanceOf(TypeError);
    }
  });
});

describe('verifyWebhook', () => {
  it('accepts the test vector at its own time, and within the tolerance either side', async () => {
    const { secret, body, timestampS } = VECTOR;
    expect(await verifyWebhook(secret, vectorHeaders(), body, 300, timestampS)).toBe(true);
    expect(await verifyWebhook(secret, vectorHeaders(), body, 300, timestampS + 300)).toBe(true);
    expect(await verifyWebhook(secret, vectorHeaders(), body, 300, timestampS - 300)).toBe(true);
    expect(await verifyWebhook(secret, vectorHeaders(), body, 300, timestampS + 301)).toBe(false);
    expect(await verifyWebhook(secret, vectorHeaders(), body, 300, timestampS - 301)).toBe(false);
    expect(await verifyWebhook(secret, vectorHeaders(), body, 10, timestampS + 11)).toBe(false);
  });

  it('defaults to five minutes around the clock', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime((VECTOR.timestampS + 299) * 1000);
    expect(await verifyWebhook(VECTOR.secret, vectorHeaders(), VECTOR.body)).toBe(true);
    vi.setSystemTime((VECTOR.timestampS + 301) * 1000);
    expect(await verifyWebhook(VECTOR.secret, vectorHeaders(), VECTOR.body)).toBe(false);
  });

  it('verifies what the reference library signs', async () => {
    const secret = newWebhookSecret();
    const nowS = Math.floor(Date.now() / 1000);
    const body = '{"type":"study.failed","data":{"studyId":"std_2"}}';
    const signature = new Webhook(secret).sign('evt_2', new Date(nowS * 1000), body);
    expect(await verifyWebhook(secret, headersOf('evt_2', nowS, signature), body)).toBe(true);
    expect(await verifyWebhook(newWebhookSecret(), headersOf('evt_2', nowS, signature), body)).toBe(false);
  });

  it('refuses any change to body, id or timestamp', async () => {
    const { secret, id, timestampS, body, signature } = VECTOR;
    const at = (headers: Headers, b = body) => verifyWebhook(secret, headers, b, 300, timestampS);
    expect(await at(vectorHeaders(), `${body} `)).toBe(false);
    expect(await at(vectorHeaders(), '')).toBe(false);
    expect(await at(headersOf(`${id}x`, timestampS, signature))).toBe(false);
    expect(await at(headersOf(id, timestampS + 1, signature))).toBe(false);
  });

  it('takes any matching v1 entry of several, and only v1', async () => {
    const { secret, timestampS, body, signature } = VECTOR;
    const other = 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=';
    const sig = signature.slice('v1,'.length);
    const at = (value: string) => verifyWebhook(secret, headersOf(VECTOR.id, timestampS, value), body, 300, timestampS);
    expect(await at(`${other} v2,${sig} ${signature} ${other}`)).toBe(true); // the reference's "multi sig" case
    expect(await at(`${other} ${signature}`)).toBe(true);
    expect(await at(`${signature} ${other}`)).toBe(true);
    expect(await at(`v2,${sig}`)).toBe(false);
    expect(await at(`v1a,${sig}`)).toBe(false);
    expect(await at(sig)).toBe(false);
    expect(await at(other)).toBe(false);
    expect(await at(signature.slice(0, 8))).toBe(false); // the reference's "partial signature" cases
    expect(await at('v1,')).toBe(false);
    expect(await at(`${signature}=`)).toBe(false);
  });

  it('refuses missing headers and malformed timestamps', async () => {
    const { secret, id, timestampS, body, signature } = VECTOR;
    const at = (headers: Headers) => verifyWebhook(secret, headers, body, 300, timestampS);
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const headers = vectorHeaders();
      headers.delete(name);
      expect(await at(headers), name).toBe(false);
    }
    for (const bad of ['hello', '', '16142 65330', '1614265330.0', '+1614265330', '1.614265330e9', '0x6037a4b2']) {
      expect(await at(headersOf(id, bad, signature)), bad).toBe(false);
    }
  });

  it('reads header names case-insensitively (Headers does)', async () => {
    const headers = new Headers({ 'Webhook-Id': VECTOR.id, 'WEBHOOK-TIMESTAMP': String(VECTOR.timestampS), 'Webhook-Signature': VECTOR.signature });
    expect(await verifyWebhook(VECTOR.secret, headers, VECTOR.body, 300, VECTOR.timestampS)).toBe(true);
  });

  it('throws for a malformed secret instead of answering false: it is configuration', async () => {
    await expect(verifyWebhook('whsec_short', vectorHeaders(), VECTOR.body)).rejects.toThrow(TypeError);
    await expect(verifyWebhook('whsec_short', new Headers(), VECTOR.body)).rejects.toThrow('secret:');
  });
});

describe('newWebhookSecret', () => {
  it('is whsec_ and 32 random bytes in padded base64, and the reference library takes it', () => {
    const secrets = Array.from({ length: 32 }, newWebhookSecret);
    expect(new Set(secrets).size).toBe(secrets.length);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(atob(secret.slice(WEBHOOK_SECRET_PREFIX.length))).toHaveLength(32);
      expect(() => new Webhook(secret)).not.toThrow();
    }
  });
});
