/**
 * inferOnGpuWorker against real HTTP servers on 127.0.0.1 that answer what a GPU worker (or a proxy in
 * front of a dead one) might: the request it sends must verify as a real worker would check it,
 * and every kind of bad answer must end as the right GpuWorkerCallError.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame } from '../../../shared/frame-codec.js';
import { INFER_PATH, INFER_RESPONSE_CONTENT_TYPE, InferRequestHeader, type InferResponseHeader } from '../../../shared/infer-protocol.js';
import { PROBLEM_CONTENT_TYPE } from '../../../shared/problem.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyRequest } from '../../../shared/request-signing.js';
import { inferOnGpuWorker, type InferOnGpuWorkerOptions } from './gpu-worker-client.js';
import type { ModelSlice } from './model-slice.js';
import { GpuWorkerCallError } from './gpu-worker-call-error.js';

const SECRET = 'unit-test-secret-at-least-32-characters';
const SIZE = 4;
type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

let server: Server;
let origin: string;
let handler: Handler;
const options: InferOnGpuWorkerOptions = { secret: SECRET, timeoutMs: 2_000, inputSize: SIZE, requestId: 'req-1' };

beforeAll(async () => {
  server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (p: Buffer) => parts.push(p));
    req.on('end', () => handler(req, Buffer.concat(parts), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const slice = (fill: number): ModelSlice => ({ pixels: new Uint8Array(SIZE * SIZE).fill(fill), originalWidth: 40, originalHeight: 30 });

/** Answers like a GPU worker: one map per slice, each the slice's pixels plus one. */
function answer(res: ServerResponse, body: Buffer, edit: (h: InferResponseHeader) => InferResponseHeader = (h) => h): void {
  const request = InferRequestHeader.parse(decodeFrame(new Uint8Array(body)).header);
  const payload = decodeFrame(new Uint8Array(body)).payload.map((v) => v + 1);
  const header = edit({
    version: 1,
    ...(request.requestId ? { requestId: request.requestId } : {}),
    model: { name: 'bsnet', version: '1.0.0' },
    slices: request.slices,
    timing: { queueMs: 1, computeMs: 2, batchSizes: [request.slices.length] },
  });
  res.writeHead(200, { 'content-type': INFER_RESPONSE_CONTENT_TYPE }).end(encodeFrame(header, [payload]));
}

function problem(res: ServerResponse, status: number, code: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': PROBLEM_CONTENT_TYPE, ...headers }).end(JSON.stringify({ type: 'x', title: 'x', status, code }));
}

async function failure(slices: ModelSlice[] = [slice(1)], opts: Partial<InferOnGpuWorkerOptions> = {}, at = origin): Promise<GpuWorkerCallError> {
  const err = await inferOnGpuWorker(at, slices, { ...options, ...opts }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GpuWorkerCallError);
  return err as GpuWorkerCallError;
}

describe('inferOnGpuWorker', () => {
  it('sends a signed frame with a deadline and returns the maps in order', async () => {
    let seen: { header: InferRequestHeader; signatureOk: boolean } | undefined;
    handler = (req, body, res) => {
      void verifyRequest({
        secret: SECRET,
        method: req.method!,
        target: req.url!,
        body: new Uint8Array(body),
        signature: req.headers[SIGNATURE_HEADER] as string,
        timestamp: req.headers[TIMESTAMP_HEADER] as string,
        now: Date.now(),
        maxSkewMs: 60_000,
      }).then((why) => {
        expect(req.url).toBe(INFER_PATH);
        seen = { header: InferRequestHeader.parse(decodeFrame(new Uint8Array(body)).header), signatureOk: why === undefined };
        answer(res, body);
      });
    };
    const out = await inferOnGpuWorker(origin, [slice(10), slice(20)], options);
    expect(seen?.signatureOk).toBe(true);
    expect(seen?.header).toMatchObject({ requestId: 'req-1', deadlineMs: 1_500, slices: [{ width: SIZE, originalWidth: 40, originalHeight: 30 }, {}] });
    expect(out.probabilities.map((p) => [p.length, p[0]])).toEqual([
      [SIZE * SIZE, 11],
      [SIZE * SIZE, 21],
    ]);
    expect(out.model).toEqual({ name: 'bsnet', version: '1.0.0' });
    expect(out.timing.batchSizes).toEqual([2]);
  });

  it('classifies worker answers: queue full, other 5xx, 4xx', async () => {
    handler = (_req, _body, res) => problem(res, 503, 'queue_full', { 'retry-after': '3' });
    expect(await failure()).toMatchObject({ kind: 'overloaded', retryable: true, status: 503, code: 'queue_full', retryAfter: 3 });

    // A bare 5xx is what workerd or a proxy says for an unreachable worker: ill health, not back-pressure.
    handler = (_req, _body, res) => res.writeHead(503, { 'content-type': 'text/plain' }).end('upstream connect error');
    expect(await failure()).toMatchObject({ kind: 'server', retryable: true, status: 503 });
    // Its own queue deadline passing is back-pressure too (regression: it counted against the breaker).
    handler = (_req, _body, res) => problem(res, 504, 'deadline_exceeded', { 'retry-after': '2' });
    expect(await failure()).toMatchObject({ kind: 'overloaded', retryable: true, code: 'deadline_exceeded', retryAfter: 2 });
    handler = (_req, _body, res) => res.writeHead(504, { 'content-type': 'text/plain' }).end('gateway timeout');
    expect(await failure()).toMatchObject({ kind: 'server', retryable: true, status: 504 });

    handler = (_req, _body, res) => problem(res, 401, 'signature_mismatch');
    const rejected = await failure();
    expect(rejected).toMatchObject({ kind: 'rejected', retryable: false, status: 401, code: 'signature_mismatch' });
    expect(rejected.message).toContain('401 signature_mismatch');
  });

  it('refuses unusable 200s and redirects as bad_response', async () => {
    const cases: Handler[] = [
      (_req, _body, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
      (_req, _body, res) => res.writeHead(200, { 'content-type': INFER_RESPONSE_CONTENT_TYPE }).end('not a frame'),
      (_req, body, res) => answer(res, body, (h) => ({ ...h, slices: h.slices.slice(1) })),
      (_req, body, res) => answer(res, body, (h) => ({ ...h, requestId: 'someone-else' })),
      (_req, _body, res) => res.writeHead(302, { location: '/elsewhere' }).end(),
    ];
    for (const h of cases) {
      handler = h;
      const err = await failure([slice(1), slice(2)]);
      expect(err).toMatchObject({ kind: 'bad_response', retryable: true });
    }
  });

  it('times out a worker that never answers, and names a refused connection as network', async () => {
    handler = () => undefined;
    const started = Date.now();
    expect(await failure(undefined, { timeoutMs: 200 })).toMatchObject({ kind: 'timeout', retryable: true });
    expect(Date.now() - started).toBeLessThan(1_000);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await failure(undefined, {}, `http://127.0.0.1:${port}`)).toMatchObject({ kind: 'network', retryable: true });
  });

  it("rethrows the caller's abort reason instead of blaming the worker", async () => {
    handler = () => undefined;
    const controller = new AbortController();
    const call = inferOnGpuWorker(origin, [slice(1)], { ...options, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('client went away')), 50);
    await expect(call).rejects.toThrow('client went away');
  });

  it('refuses slices of the wrong size before sending anything', async () => {
    await expect(inferOnGpuWorker(origin, [slice(1), { ...slice(1), pixels: new Uint8Array(3) }], options)).rejects.toThrow(/slices\[1\]\.pixels: expected 16 bytes/);
    await expect(inferOnGpuWorker(origin, [], options)).rejects.toThrow(RangeError);
  });
});
