/**
 * Real stand-ins for broken workers, for the fan-out tests: a port nothing listens on (a dead
 * worker) and a real HTTP server that accepts connections and never answers (a hung worker),
 * counting its connections so a test can prove the pool stopped calling it. Plus the slices.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ModelSlice } from '../../edge/src/fanout/model-slice.js';
import { metricValue, scrapeMetrics, testSlice } from '../gpu-worker/worker-harness.js';

/** The harness's slice for `seed`, as the edge's imaging code would hand it to the pool. */
export function modelSlice(seed: number): ModelSlice {
  return { pixels: testSlice(seed), originalWidth: 512, originalHeight: 512 };
}

/** A free port on 127.0.0.1, closed again: connections to it are refused (until someone binds it). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface HangingServer {
  origin: string;
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** A server that reads requests and never answers them. */
export async function startHangingServer(): Promise<HangingServer> {
  let connections = 0;
  const pending: ServerResponse[] = [];
  const server = createServer((_req, res) => pending.push(res));
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Inference requests a worker answered with 200 so far, from its /metrics. */
export async function servedRequests(origin: string): Promise<number> {
  return metricValue(await scrapeMetrics(origin), 'bsnet_inference_request_success_total');
}

/** Inference requests a worker refused for `reason` (a problem code) so far; 0 when none. */
export async function failedRequests(origin: string, reason: string): Promise<number> {
  const value = metricValue(await scrapeMetrics(origin), `bsnet_inference_request_failure_total{reason="${reason}"}`);
  return Number.isNaN(value) ? 0 : value;
}

/** Runs `fn` and returns its result with the milliseconds it took. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

/** The rejection of `promise`, failing the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}
