/**
 * Closed-loop load against a running worker: N clients, each sending one-slice signed
 * /v1/infer requests back to back (the next only after the previous answered), until a fixed
 * number of requests is done. Also the percentile math and a /metrics reader for the batch-size
 * histogram. A small client of its own (shared/ only), so the benchmark never depends on tests/.
 */
import { decodeFrame, encodeFrame } from '../../shared/frame-codec.js';
import { INFER_PATH, INFER_REQUEST_CONTENT_TYPE, InferResponseHeader, type InferRequestHeader } from '../../shared/infer-protocol.js';
import { signRequest } from '../../shared/request-signing.js';

export interface InferOutcome {
  ok: boolean;
  status: number;
  latencyMs: number;
  /** Sizes of the batches the slice ran in (from the response header). */
  batchSizes?: number[];
  queueMs?: number;
  computeMs?: number;
  /** Problem code or error message when not ok. */
  error?: string;
}

/** Signs and sends one-slice requests to one worker. */
export class InferClient {
  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly inputSize: number,
  ) {}

  async infer(slice: Uint8Array, requestId?: string): Promise<InferOutcome> {
    const size = this.inputSize;
    const header: InferRequestHeader = {
      version: 1,
      ...(requestId ? { requestId } : {}),
      // The longest budget the protocol allows: a benchmark measures waiting, it must not turn it into 504s.
      deadlineMs: 600_000,
      slices: [{ width: size, height: size, originalWidth: 512, originalHeight: 512 }],
    };
    const started = performance.now();
    try {
      // Encoding and signing are part of a client's cost, so they are inside the latency.
      const body = encodeFrame(header, [slice]);
      const sig = await signRequest(this.secret, { method: 'POST', target: INFER_PATH, body, timestamp: Date.now() });
      const res = await fetch(this.url + INFER_PATH, {
        method: 'POST',
        body,
        headers: { 'content-type': INFER_REQUEST_CONTENT_TYPE, ...sig },
      });
      const bytes = new Uint8Array(await res.arrayBuffer());
      const latencyMs = performance.now() - started;
      if (res.status !== 200) {
        let code = `HTTP ${res.status}`;
        try {
          const problem = JSON.parse(new TextDecoder().decode(bytes)) as { code?: string; detail?: string };
          code += `: ${problem.code ?? ''} ${problem.detail ?? ''}`.trimEnd();
        } catch {
          /* not problem+json */
        }
        return { ok: false, status: res.status, latencyMs, error: code };
      }
      const frame = decodeFrame(bytes);
      const parsed = InferResponseHeader.parse(frame.header);
      if (frame.payload.length !== size * size) {
        return { ok: false, status: 200, latencyMs, error: `payload is ${frame.payload.length} bytes, expected ${size * size}` };
      }
      const { batchSizes, queueMs, computeMs } = parsed.timing;
      return { ok: true, status: 200, latencyMs, batchSizes, queueMs, computeMs };
    } catch (err) {
      return { ok: false, status: 0, latencyMs: performance.now() - started, error: (err as Error).message };
    }
  }
}

export interface LatencyStats {
  p50: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

export interface LoadResult {
  concurrency: number;
  requests: number;
  ok: number;
  errors: number;
  /** First few distinct error messages. */
  errorSamples: string[];
  elapsedMs: number;
  /** Successful one-slice requests per second over the whole level (first send to last answer). */
  imagesPerSecond: number;
  latencyMs: LatencyStats;
  /** Mean size of the batch each slice ran in (slice-weighted, from response headers). */
  meanBatchSizePerSlice: number;
  meanQueueMs: number;
  meanComputeMs: number;
}

/** Nearest-rank percentile of an ascending array (p in 0..100); NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function latencyStats(latencies: readonly number[]): LatencyStats {
  const sorted = [...latencies].sort((a, b) => a - b);
  const mean = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN;
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean, min: sorted[0] ?? NaN, max: sorted.at(-1) ?? NaN };
}

const average = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/**
 * Runs `concurrency` clients that share a budget of `requests` requests; each client sends its
 * next request as soon as its previous one is answered. Never rejects: failures are counted.
 */
export async function runClosedLoop(
  client: InferClient,
  opts: { concurrency: number; requests: number; slices: readonly Uint8Array[]; label?: string },
): Promise<LoadResult> {
  const outcomes: InferOutcome[] = [];
  let next = 0;
  const started = performance.now();
  const clientLoop = async (id: number) => {
    for (;;) {
      const n = next++;
      if (n >= opts.requests) return;
      const slice = opts.slices[n % opts.slices.length]!;
      outcomes.push(await client.infer(slice, `${opts.label ?? 'bench'}-c${opts.concurrency}-${id}-${n}`));
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, (_, id) => clientLoop(id)));
  const elapsedMs = performance.now() - started;

  const good = outcomes.filter((o) => o.ok);
  const bad = outcomes.filter((o) => !o.ok);
  return {
    concurrency: opts.concurrency,
    requests: opts.requests,
    ok: good.length,
    errors: bad.length,
    errorSamples: [...new Set(bad.map((o) => o.error ?? `HTTP ${o.status}`))].slice(0, 3),
    elapsedMs,
    imagesPerSecond: good.length / (elapsedMs / 1000),
    latencyMs: latencyStats(good.map((o) => o.latencyMs)),
    meanBatchSizePerSlice: average(good.flatMap((o) => o.batchSizes ?? [])),
    meanQueueMs: average(good.map((o) => o.queueMs ?? 0)),
    meanComputeMs: average(good.map((o) => o.computeMs ?? 0)),
  };
}

export interface HistogramSnapshot {
  sum: number;
  count: number;
}

/**
 * Reads `<name>_sum` and `<name>_count` (unlabelled) from the worker's Prometheus text. A
 * histogram with no observation yet renders no samples, so a missing series reads as 0.
 */
export async function scrapeHistogram(url: string, name: string): Promise<HistogramSnapshot> {
  const text = await (await fetch(url + '/metrics')).text();
  const value = (series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(series + ' '));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };
  return { sum: value(`${name}_sum`), count: value(`${name}_count`) };
}

/** Mean observed value between two snapshots (e.g. slices per model execution). */
export function histogramMean(before: HistogramSnapshot, after: HistogramSnapshot): number {
  const count = after.count - before.count;
  return count > 0 ? (after.sum - before.sum) / count : NaN;
}
