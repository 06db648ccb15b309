/**
 * A study's completion webhook against receivers on 127.0.0.1 (allowed in development only):
 * every delivery carries a Standard Webhooks signature that the reference library verifies with
 * the tenant's secret; a receiver that fails is retried with backoff and then given up on, each
 * attempt recorded in the study; callback URLs that are private or not https are refused.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookSecret } from '../../edge/src/webhooks/webhook-secret-store.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { ctSeries, readBytes, stowBody } from './study-fixtures.js';

interface Received {
  headers: Record<string, string>;
  body: string;
}

/** A receiver answering `status` to every delivery, keeping what it got. */
async function receiver(status: number): Promise<{ url: string; got: Received[]; server: Server }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])), body });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/bsnet`, got, server };
}

let stack: EdgeStack;
let key: string;
let secret: string;
let dir: string;
let slices: Uint8Array[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bsnet-hooks-'));
  slices = (await ctSeries(dir, { from: 50, count: 3, size: 96, spacingMm: 2 })).map(readBytes);
  stack = await startEdgeStack({ vars: { WEBHOOK_RETRY_BASE_SECONDS: '1', WEBHOOK_MAX_ATTEMPTS: '3' } });
  key = await stack.key('acme');
  secret = await createWebhookSecret(stack.env.DB, 'acme');
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function runStudy(callbackUrl: string): Promise<string> {
  const headers = { authorization: `Bearer ${key}` };
  const created = await stack.fetch('/v1/studies', { method: 'POST', body: JSON.stringify({ callbackUrl, externalId: 'hook-case' }), headers: { ...headers, 'content-type': 'application/json' } });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const stow = stowBody(slices);
  await stack.fetch(`/v1/studies/${id}/instances`, { method: 'POST', body: stow.body, headers: { ...headers, 'content-type': stow.type } });
  expect((await stack.fetch(`/v1/studies/${id}/commit`, { method: 'POST', headers })).status).toBe(202);
  return id;
}

async function studyUntil(id: string, done: (s: any) => boolean, timeoutMs = 60_000): Promise<any> {
  const started = Date.now();
  for (;;) {
    const s = (await (await stack.fetch(`/v1/studies/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as any;
    if (done(s)) return s;
    if (Date.now() - started > timeoutMs) throw new Error(`study ${id}: ${JSON.stringify(s.webhook ?? s.status)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('study webhooks', () => {
  it('delivers study.completed once, signed so the Standard Webhooks library verifies it', async () => {
    const hook = await receiver(204);
    try {
      const id = await runStudy(hook.url);
      const study = await studyUntil(id, (s) => s.webhook?.state === 'delivered');
      expect(study.webhook.attempts).toEqual([{ at: expect.any(String), httpStatus: 204 }]);
      expect(hook.got).toHaveLength(1);
      const { headers, body } = hook.got[0]!;
      // The reference implementation, with the tenant's secret: throws unless the signature and timestamp hold.
      const event = new Webhook(secret).verify(body, headers) as any;
      expect(event).toMatchObject({ type: 'study.completed', data: { id, status: 'completed', externalId: 'hook-case', slicesDone: 3, slicesFailed: 0, url: `/v1/studies/${id}` } });
      expect(headers['webhook-id']).toBe(`msg_${id}_completed`);
      expect(() => new Webhook(secret).verify(body.replace('hook-case', 'hook-casf'), headers)).toThrow();
    } finally {
      hook.server.close();
    }
  }, 90_000);

  it('retries a failing receiver with backoff, then gives up, every attempt recorded', async () => {
    const hook = await receiver(503);
    try {
      const id = await runStudy(hook.url);
      const study = await studyUntil(id, (s) => s.webhook?.state === 'given_up');
      expect(study.webhook.attempts.map((a: any) => [a.httpStatus, a.error])).toEqual(Array(3).fill([503, 'the receiver answered 503']));
      const times = study.webhook.attempts.map((a: any) => Date.parse(a.at));
      // 1 s, then 4 s (base 1 s x 4^(n-2)), at least.
      expect(times[1] - times[0]).toBeGreaterThanOrEqual(1000);
      expect(times[2] - times[1]).toBeGreaterThanOrEqual(4000);
      expect(hook.got).toHaveLength(3);
      // Every retry is the same message: same id, freshly signed.
      expect(new Set(hook.got.map((g) => g.headers['webhook-id']))).toEqual(new Set([`msg_${id}_completed`]));
      for (const g of hook.got) expect(() => new Webhook(secret).verify(g.body, g.headers)).not.toThrow();
    } finally {
      hook.server.close();
    }
  }, 90_000);

  it('refuses private, link-local and non-http(s) callback URLs', async () => {
    for (const url of ['http://10.0.0.5/hook', 'http://169.254.169.254/latest/meta-data', 'http://[::1]:8080/', 'http://192.168.1.10/x', 'ftp://127.0.0.1/x']) {
      const res = await stack.fetch('/v1/studies', { method: 'POST', body: JSON.stringify({ callbackUrl: url }), headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
      expect(res.status, url).toBe(400);
      expect(await res.json(), url).toMatchObject({ code: 'invalid_parameter', field: 'callbackUrl' });
    }
  });
});
