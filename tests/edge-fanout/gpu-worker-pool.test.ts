/**
 * GpuWorkerPool against two real GPU workers (stand-in model), a dead port and hung servers:
 * results in upload order identical to a direct call, work spread over both workers, failover
 * past dead and hung workers, breakers that stop the pool calling a hung worker, and the one
 * EdgeError each way of giving up ends in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuWorkerPool } from '../../edge/src/fanout/gpu-worker-pool.js';
import type { GpuWorkerPoolOptions } from '../../edge/src/fanout/gpu-worker-pool-options.js';
import { EdgeError } from '../../edge/src/http/edge-error.js';
import { infer, SECRET, SIZE, startHarness, testSlice, type Harness } from '../gpu-worker/worker-harness.js';
import { closedPort, failedRequests, modelSlice, rejectionOf, servedRequests, startHangingServer, timed, type HangingServer } from './fanout-fixtures.js';

let a: Harness;
let b: Harness;
let hung: HangingServer;
let hung2: HangingServer;
let dead: string;
let dead2: string;

beforeAll(async () => {
  [a, b, hung, hung2] = await Promise.all([startHarness(), startHarness(), startHangingServer(), startHangingServer()]);
  dead = `http://127.0.0.1:${await closedPort()}`;
  dead2 = `http://127.0.0.1:${await closedPort()}`;
});
afterAll(() => Promise.all([a.stop(), b.stop(), hung.close(), hung2.close()]));

const TIMEOUT_MS = 400;
const pool = (origins: string[], o: Partial<GpuWorkerPoolOptions> = {}) =>
  new GpuWorkerPool(origins, { secret: SECRET, inputSize: SIZE, timeoutMs: TIMEOUT_MS, ...o });

describe('GpuWorkerPool', () => {
  it('returns maps in upload order, identical to a direct call, with chunks spread over both workers', async () => {
    const seeds = [1, 2, 3, 4, 5, 6, 7];
    const direct = await infer(a.worker.url, seeds.map(testSlice));
    if (!direct.ok) throw new Error(`direct infer failed: ${direct.status}`);
    const before = await Promise.all([servedRequests(a.worker.url), servedRequests(b.worker.url)]);

    const out = await pool([a.worker.url, b.worker.url], { maxSlicesPerCall: 2, timeoutMs: 10_000 }).infer(seeds.map(modelSlice), { requestId: 'fanout-1' });

    expect(out.probabilities).toHaveLength(seeds.length);
    out.probabilities.forEach((map, i) => expect(Buffer.from(map).equals(Buffer.from(direct.maps[i]!)), `slice ${i}`).toBe(true));
    expect(out.model).toEqual(direct.header.model);
    expect(out.calls.map((c) => [c.start, c.slices, c.attempts])).toEqual([
      [0, 2, 1],
      [2, 2, 1],
      [4, 2, 1],
      [6, 1, 1],
    ]);
    const after = await Promise.all([servedRequests(a.worker.url), servedRequests(b.worker.url)]);
    expect([after[0] - before[0], after[1] - before[1]]).toEqual([2, 2]);
  });

  it('fails over past a dead worker', async () => {
    const p = pool([dead, a.worker.url], { maxSlicesPerCall: 1 });
    const out = await p.infer([modelSlice(1), modelSlice(2), modelSlice(3)]);
    expect(out.probabilities).toHaveLength(3);
    expect(out.calls.every((c) => c.origin === a.worker.url)).toBe(true);
    expect(out.calls.some((c) => c.attempts === 2)).toBe(true);
    expect(p.snapshot()[0]).toMatchObject({ origin: dead, inFlight: 0 });
    expect(p.snapshot()[0]!.consecutiveFailures).toBeGreaterThan(0);
  });

  it('fails over past a hung worker within one timeout, then its breaker keeps requests away from it', async () => {
    const p = pool([hung.origin, a.worker.url], { breaker: { failureThreshold: 2, openMs: 60_000 } });
    for (let i = 0; i < 4 && p.snapshot()[0]!.state !== 'open'; i++) {
      const { value, ms } = await timed(() => p.infer([modelSlice(i)]));
      expect(value.calls[0]!.origin).toBe(a.worker.url);
      expect(ms).toBeLessThan(TIMEOUT_MS + 1_500);
    }
    expect(p.snapshot()[0]).toMatchObject({ state: 'open', consecutiveFailures: 2, inFlight: 0 });

    const connections = hung.connections();
    for (let i = 0; i < 3; i++) {
      const { value, ms } = await timed(() => p.infer([modelSlice(i)]));
      expect(value.calls[0]).toMatchObject({ origin: a.worker.url, attempts: 1 });
      expect(ms).toBeLessThan(TIMEOUT_MS);
    }
    expect(hung.connections()).toBe(connections);
  });

  it('gives up with 503 workers_unavailable and Retry-After when every worker is dead', async () => {
    const p = pool([dead, dead2], { breaker: { failureThreshold: 2, openMs: 30_000 } });
    const first = await rejectionOf(p.infer([modelSlice(1)]));
    expect(first).toBeInstanceOf(EdgeError);
    expect(first).toMatchObject({ status: 503, code: 'workers_unavailable', retryAfter: 1 });
    expect((first as Error).message).toBe('2 GPU worker attempts failed (network); retry later');
    // The second failure opens both breakers: Retry-After now says when the first probe is due.
    expect(await rejectionOf(p.infer([modelSlice(1)]))).toMatchObject({ status: 503, retryAfter: 30 });
    const third = await rejectionOf(p.infer([modelSlice(1)]));
    expect(third).toMatchObject({ status: 503, code: 'workers_unavailable', message: 'no GPU worker is available; retry later' });
    expect((third as EdgeError).retryAfter).toBeGreaterThan(25);
    expect((third as EdgeError).retryAfter).toBeLessThanOrEqual(30);
  });

  it('gives up with 504 worker_timeout when every worker hangs, within the overall deadline', async () => {
    const { value: err, ms } = await timed(() => rejectionOf(pool([hung.origin, hung2.origin], { maxSlicesPerCall: 1 }).infer([modelSlice(1), modelSlice(2)])));
    expect(err).toMatchObject({ status: 504, code: 'worker_timeout' });
    // Default deadline: two timeouts, whatever the number of chunks.
    expect(ms).toBeGreaterThanOrEqual(2 * TIMEOUT_MS - 20);
    expect(ms).toBeLessThan(2 * TIMEOUT_MS + 1_000);
  });

  it('gives up with 502 worker_rejected on a secret mismatch, without retrying or blaming the worker', async () => {
    const p = new GpuWorkerPool([a.worker.url, b.worker.url], { secret: 'a-wrong-secret-that-is-32-characters-long', inputSize: SIZE, timeoutMs: 5_000 });
    const before = (await failedRequests(a.worker.url, 'signature_mismatch')) + (await failedRequests(b.worker.url, 'signature_mismatch'));
    const err = await rejectionOf(p.infer([modelSlice(1)]));
    expect(err).toMatchObject({ status: 502, code: 'worker_rejected' });
    expect((err as Error).message).toContain('401 signature_mismatch');
    expect((err as Error).message).not.toContain('127.0.0.1');
    const after = (await failedRequests(a.worker.url, 'signature_mismatch')) + (await failedRequests(b.worker.url, 'signature_mismatch'));
    expect(after - before).toBe(1);
    expect(p.snapshot().map((s) => [s.state, s.consecutiveFailures])).toEqual([
      ['closed', 0],
      ['closed', 0],
    ]);
  });

  it('aborts the other chunks when one gives up', async () => {
    // The hung worker holds one chunk while the other chunk is refused at once (wrong secret):
    // the held call is abandoned at once, and its abort is not counted against the worker.
    const p = new GpuWorkerPool([hung.origin, a.worker.url], { secret: 'a-wrong-secret-that-is-32-characters-long', inputSize: SIZE, timeoutMs: 5_000, maxSlicesPerCall: 1, maxAttempts: 1 });
    const { value: err, ms } = await timed(() => rejectionOf(p.infer([modelSlice(1), modelSlice(2)])));
    expect(err).toMatchObject({ status: 502, code: 'worker_rejected' });
    expect(ms).toBeLessThan(2_000);
    expect(p.snapshot().map((s) => [s.inFlight, s.consecutiveFailures])).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it("rejects with the caller's abort reason", async () => {
    const controller = new AbortController();
    const call = pool([hung.origin], { timeoutMs: 5_000 }).infer([modelSlice(1)], { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('client disconnected')), 50);
    await expect(call).rejects.toThrow('client disconnected');
  });

  it('refuses a slice of the wrong size before sending anything', async () => {
    await expect(pool([a.worker.url]).infer([modelSlice(1), { ...modelSlice(2), pixels: new Uint8Array(10) }])).rejects.toThrow(/slices\[1\]\.pixels/);
  });
});
