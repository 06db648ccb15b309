/**
 * Test harness: starts a real GPU worker (HTTP on 127.0.0.1, real onnxruntime session threads)
 * on the code-generated stand-in model (or the manifest `BSNET_MODEL_MANIFEST` names), and a
 * signed client for it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeFrame, encodeFrame } from '../../shared/frame-codec.js';
import { INFER_PATH, INFER_REQUEST_CONTENT_TYPE, InferResponseHeader, type InferRequestHeader } from '../../shared/infer-protocol.js';
import { signRequest } from '../../shared/request-signing.js';
import { Problem, PROBLEM_CONTENT_TYPE } from '../../shared/problem.js';
import { expect } from 'vitest';
import { loadConfig, type WorkerConfig } from '../../gpu-worker/src/config.js';
import { startWorker, type RunningWorker } from '../../gpu-worker/src/server.js';
import { writeStandInModel } from '../../models/stand-in/write-stand-in.js';

export const SECRET = 'test-secret-that-is-at-least-32-characters-long';
export const SIZE = 352;

export interface Harness {
  worker: RunningWorker;
  config: WorkerConfig;
  manifestPath: string;
  stop(): Promise<void>;
}

/**
 * The environment every test GPU worker runs with (in process or in a child process): the test
 * secret, port chosen by the OS, CPU, one intra-op thread, the given model.
 */
export function testWorkerEnv(manifestPath: string): Record<string, string> {
  return {
    BSNET_WORKER_PORT: '0',
    BSNET_WORKER_HMAC_SECRET: SECRET,
    BSNET_MODEL_MANIFEST: manifestPath,
    BSNET_EXECUTION_PROVIDER: 'cpu',
    BSNET_INTRA_OP_THREADS: '1',
  };
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'bsnet-worker-'));
  const manifestPath = env.BSNET_MODEL_MANIFEST ?? (await writeStandInModel(dir));
  const config = loadConfig({
    // The runner's log level (vitest.config.ts sets silent), since the config reads no other env.
    BSNET_LOG: process.env.BSNET_LOG,
    ...testWorkerEnv(manifestPath),
    ...env,
  });
  const worker = await startWorker(config);
  await worker.ready.catch(() => undefined);
  return {
    worker,
    config,
    manifestPath,
    async stop() {
      await worker.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A deterministic, CT-like test slice: smooth structures plus noise, different per seed. */
export function testSlice(seed: number): Uint8Array {
  const out = new Uint8Array(SIZE * SIZE);
  let s = seed * 2654435761;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const blob = 120 * Math.exp(-((x - 120 - seed * 7) ** 2 + (y - 170) ** 2) / 2500) + 90 * Math.exp(-((x - 240) ** 2 + (y - 150 - seed * 5) ** 2) / 1800);
      out[y * SIZE + x] = Math.min(255, Math.round(30 + blob + (s >>> 24) / 16));
    }
  }
  return out;
}

export function requestHeader(count: number, extra: Partial<InferRequestHeader> = {}): InferRequestHeader {
  return {
    version: 1,
    slices: Array.from({ length: count }, () => ({ width: SIZE, height: SIZE, originalWidth: 512, originalHeight: 512 })),
    ...extra,
  };
}

export interface PostOptions {
  secret?: string;
  timestamp?: number;
  contentType?: string;
  /** Sign this body but send `body` (tampering). */
  signedBody?: Uint8Array;
  headers?: Record<string, string>;
  unsigned?: boolean;
}

/** POSTs raw bytes to /v1/infer with a valid signature unless told otherwise. */
export async function postRaw(url: string, body: Uint8Array, o: PostOptions = {}): Promise<Response> {
  const sig = o.unsigned
    ? {}
    : await signRequest(o.secret ?? SECRET, { method: 'POST', target: INFER_PATH, body: o.signedBody ?? body, timestamp: o.timestamp ?? Date.now() });
  return fetch(url + INFER_PATH, {
    method: 'POST',
    body,
    headers: { 'content-type': o.contentType ?? INFER_REQUEST_CONTENT_TYPE, ...sig, ...o.headers },
  });
}

export type InferOutcome =
  | { ok: true; status: 200; header: InferResponseHeader; maps: Uint8Array[]; res: Response }
  | { ok: false; status: number; problem: Problem; res: Response };

export async function infer(url: string, slices: Uint8Array[], extra: Partial<InferRequestHeader> = {}): Promise<InferOutcome> {
  const res = await postRaw(url, encodeFrame(requestHeader(slices.length, extra), slices));
  if (res.status !== 200) return { ok: false, status: res.status, problem: await readProblem(res), res };
  const frame = decodeFrame(new Uint8Array(await res.arrayBuffer()));
  const header = InferResponseHeader.parse(frame.header);
  const maps = header.slices.map((_, i) => frame.payload.subarray(i * SIZE * SIZE, (i + 1) * SIZE * SIZE));
  return { ok: true, status: 200, header, maps, res };
}

/** Reads an error body, checking it is a well-formed problem+json document. */
export async function readProblem(res: Response): Promise<Problem> {
  expect(res.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  return Problem.parse(await res.json());
}

/** JSON bodies of the health endpoints, loosely typed for assertions. */
export async function readJson(res: Response): Promise<Record<string, any>> {
  return (await res.json()) as Record<string, any>;
}

export async function scrapeMetrics(url: string): Promise<string> {
  return (await fetch(url + '/metrics')).text();
}

/** Reads one sample from Prometheus text, e.g. metricValue(text, 'bsnet_inference_batch_size_bucket{le="1"}'). */
export function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : NaN;
}
