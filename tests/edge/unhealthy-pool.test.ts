/**
 * The edge in front of an unhealthy pool: a dead worker beside a healthy one costs nothing, no
 * worker at all is a 503 with Retry-After, an overloaded worker's back-pressure is waited out
 * within the request's deadline, and /v1/health reports the pool without exposing addresses.
 */
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { HealthResponse } from '../../edge/src/api/health-response.js';
import { Problem } from '../../shared/problem.js';
import { failedRequests } from '../edge-fanout/fanout-fixtures.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { sliceJpeg, testSliceNames } from './fixtures.js';

/** An origin nothing listens on: a port the OS gave us and we closed again. */
async function deadOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}`;
}

const stacks: EdgeStack[] = [];
afterAll(() => Promise.all(stacks.map((s) => s.stop())));

async function stack(o: Parameters<typeof startEdgeStack>[0]): Promise<{ s: EdgeStack; key: string }> {
  const s = await startEdgeStack(o);
  stacks.push(s);
  return { s, key: await s.key('acme') };
}

const segment = (s: EdgeStack, key: string, i: number) =>
  s.fetch('/v1/segment', { method: 'POST', body: sliceJpeg(testSliceNames()[i]!), headers: { authorization: `Bearer ${key}`, 'content-type': 'image/jpeg' } });

describe('fan-out through the edge', () => {
  it('serves every request when one of two workers is dead, and health says degraded', async () => {
    const dead = await deadOrigin();
    const { s, key } = await stack({ extraOrigins: [dead], extraFirst: true });
    for (let i = 0; i < 4; i++) expect((await segment(s, key, 10 + i)).status).toBe(200);
    const health = await s.fetch('/v1/health');
    expect(health.status).toBe(200);
    const body = HealthResponse.parse(await health.json());
    expect(body).toMatchObject({ status: 'degraded', workers: { total: 2, ready: 1 } });
    expect(JSON.stringify(body)).not.toContain('127.0.0.1');
  });

  it('answers 503 workers_unavailable with Retry-After when no worker is up, and health 503', async () => {
    const { s, key } = await stack({ workers: 0, extraOrigins: [await deadOrigin()] });
    const res = await segment(s, key, 14);
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Problem.parse(await res.json()).code).toBe('workers_unavailable');
    const health = await s.fetch('/v1/health');
    expect(health.status).toBe(503);
    expect(HealthResponse.parse(await health.json()).status).toBe('unavailable');
  });

  it('waits out a full GPU worker queue within the deadline rather than failing the request', async () => {
    // One slot in the worker's queue and a long batching delay: concurrent slices overflow it.
    const { s, key } = await stack({ workerEnv: { BSNET_QUEUE_CAPACITY: '1', BSNET_MAX_SLICES_PER_REQUEST: '1', BSNET_MAX_QUEUE_DELAY_MS: '300' } });
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => segment(s, key, 20 + i)));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    // The GPU worker did push back: the edge retried after its Retry-After instead of answering 503.
    expect(await failedRequests(s.workers[0]!.worker.url, 'queue_full')).toBeGreaterThan(0);
  });

});
