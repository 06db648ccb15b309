/**
 * Regression: a session thread that died got one replacement, and a replacement that failed
 * its warm-up kept its place marked busy forever: capacity shrank with no log line and /readyz
 * still said ready. Now the pool retries with backoff, logs every failure, and /readyz and
 * /metrics show ready vs configured threads (503 when none is ready).
 *
 * All real: session threads on the stand-in model, killed with terminate(); replacements fail
 * because the thread is handed ONNX bytes onnxruntime cannot parse, until the test stops that.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadyzBody } from '../../shared/worker-readiness.js';
import { loadConfig } from '../../gpu-worker/src/config.js';
import { createApp } from '../../gpu-worker/src/http/app.js';
import { Batcher } from '../../gpu-worker/src/inference/batcher.js';
import { SessionPool } from '../../gpu-worker/src/inference/session-pool.js';
import { startSessionThread } from '../../gpu-worker/src/inference/start-session-thread.js';
import type { ThreadInit } from '../../gpu-worker/src/inference/thread-messages.js';
import { createLogger } from '../../gpu-worker/src/log.js';
import { createWorkerMetrics } from '../../gpu-worker/src/metrics/worker-metrics.js';
import { loadModel } from '../../gpu-worker/src/model/load-model.js';
import { writeStandInModel } from '../../models/stand-in/write-stand-in.js';
import { encodeFrame } from '../../shared/frame-codec.js';
import { INFER_PATH, INFER_REQUEST_CONTENT_TYPE } from '../../shared/infer-protocol.js';
import { signRequest } from '../../shared/request-signing.js';
import { metricValue, readProblem, requestHeader, SECRET, SIZE, testSlice } from './worker-harness.js';

interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

let dir: string;
let pool: SessionPool;
let app: Hono;
/** Every session thread the pool started, in order: the first two are the original ones. */
const started: Worker[] = [];
const lines: LogLine[] = [];
/** While set, new session threads get bytes that are not an ONNX model. */
let breakNewThreads = false;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bsnet-replacement-'));
  const manifestPath = await writeStandInModel(dir);
  const { manifest, bytes } = await loadModel(manifestPath);
  const log = createLogger('info', (_, line) => lines.push(JSON.parse(line) as LogLine));
  const startThread = (init: ThreadInit) => {
    const thread = startSessionThread(breakNewThreads ? { ...init, modelBytes: new Uint8Array(4096).fill(0x2a) } : init);
    started.push(thread);
    return thread;
  };
  pool = await SessionPool.create({ modelBytes: bytes, manifest, providers: ['cpu'], intraOpThreads: 1, warmupBatchSizes: [1] }, 2, {
    log,
    // Short delays so the test sees several retries; production starts at 0.5 s.
    replaceBackoffMs: { first: 50, max: 200 },
    startThread,
  });
  const config = loadConfig({
    BSNET_MODEL_MANIFEST: manifestPath,
    BSNET_EXECUTION_PROVIDER: 'cpu',
    BSNET_SESSION_THREADS: '2',
    BSNET_WORKER_HMAC_SECRET: SECRET,
    BSNET_LOG: 'silent',
  });
  const metrics = createWorkerMetrics();
  const batcher = new Batcher(pool, { maxBatch: 2, maxQueueDelayMs: 1, capacity: 16, sliceBytes: SIZE * SIZE }, metrics);
  pool.onIdle = batcher.schedule;
  app = createApp({ config, state: { phase: 'ready', manifest, pool, batcher }, metrics, log });
});
afterAll(async () => {
  await pool?.close();
  await rm(dir, { recursive: true, force: true });
});

async function until(what: string, done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}; log so far: ${JSON.stringify(lines)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const failures = () => lines.filter((l) => l.msg === 'session thread replacement failed');
const readyGauges = async () => {
  const text = await (await app.request('/metrics')).text();
  return { ready: metricValue(text, 'bsnet_session_threads_ready'), configured: metricValue(text, 'bsnet_session_threads_configured') };
};
const readyz = async () => ReadyzBody.parse(await (await app.request('/readyz')).json());
/** A signed one-slice POST /v1/infer, in process. */
async function infer(): Promise<Response> {
  const body = encodeFrame(requestHeader(1), [testSlice(4)]);
  const signature = await signRequest(SECRET, { method: 'POST', target: INFER_PATH, body, timestamp: Date.now() });
  return app.request(INFER_PATH, { method: 'POST', body, headers: { 'content-type': INFER_REQUEST_CONTENT_TYPE, ...signature } });
}

describe('a session thread whose replacement fails', () => {
  it('starts with both threads ready', async () => {
    expect((await readyz()).sessionThreads).toEqual({ ready: 2, configured: 2 });
    expect(await readyGauges()).toEqual({ ready: 2, configured: 2 });
  });

  it('is retried with growing delays, each failure logged, and the capacity lost is reported', async () => {
    breakNewThreads = true;
    await started[0]!.terminate();
    await until('two replacements failed', () => failures().length >= 2);

    const died = lines.find((l) => l.msg.startsWith('session thread died'));
    expect(died).toMatchObject({ level: 'error', thread: 0, reason: 'exit code 1' });
    const [first, second] = failures();
    expect(first).toMatchObject({ level: 'error', thread: 0, attempt: 1, retryInMs: 50 });
    expect(second).toMatchObject({ thread: 0, attempt: 2, retryInMs: 100 });
    // onnxruntime's own reason, through the provider that the pool holds replacements to.
    expect(first!.error).toMatch(/^no execution provider could run the model: cpu: /);
    // Ids, counts and reasons only: nothing from an image.
    for (const line of lines) expect(Object.keys(line).every((k) => ['time', 'level', 'msg', 'thread', 'attempt', 'attempts', 'retryInMs', 'error', 'reason', 'ready', 'configured'].includes(k))).toBe(true);

    expect(pool.readyCount).toBe(1);
    expect(pool.idleCount).toBe(1);
    expect((await readyz()).sessionThreads).toEqual({ ready: 1, configured: 2 });
    expect(await readyGauges()).toEqual({ ready: 1, configured: 2 });
    // The thread left keeps serving.
    expect((await pool.run(testSlice(1).slice(), 1)).probabilities.length).toBe(SIZE * SIZE);
  });

  it('makes /readyz and /v1/infer answer 503 at once when no thread is ready', async () => {
    await started[1]!.terminate();
    await until('both slots are replacing', () => pool.readyCount === 0);
    const res = await app.request('/readyz');
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await readProblem(res)).toMatchObject({ status: 503, code: 'not_ready_no_session_threads' });
    expect(await readyGauges()).toEqual({ ready: 0, configured: 2 });
    // Not queued until its deadline: refused now, so the edge tries another GPU worker.
    const refused = await infer();
    expect(refused.status).toBe(503);
    expect(await readProblem(refused)).toMatchObject({ code: 'not_ready_no_session_threads' });
    await until('the second slot failed a replacement too', () => failures().some((l) => l.thread === 1));
  });

  it('comes back to full capacity once replacements can start again', async () => {
    const failed = failures().length;
    breakNewThreads = false;
    await until('both slots have a ready thread', () => pool.readyCount === 2);
    const replaced = lines.filter((l) => l.msg === 'session thread replaced');
    expect(replaced.map((l) => l.thread).sort()).toEqual([0, 1]);
    expect(replaced.every((l) => l.level === 'info' && (l.attempts as number) > 1)).toBe(true);
    // At most one attempt per slot was already under way when the cause went away.
    expect(failures().length).toBeLessThanOrEqual(failed + 2);

    expect(await readyz()).toMatchObject({ status: 'ready', executionProvider: 'cpu', sessionThreads: { ready: 2, configured: 2 } });
    expect(await readyGauges()).toEqual({ ready: 2, configured: 2 });
    const both = await Promise.all([pool.run(testSlice(2).slice(), 1), pool.run(testSlice(3).slice(), 1)]);
    expect(both.map((r) => r.probabilities.length)).toEqual([SIZE * SIZE, SIZE * SIZE]);
    expect((await infer()).status).toBe(200);
  });
});
