/**
 * One signed call to one GPU worker's `POST /v1/infer` (shared/infer-protocol.ts): frame the
 * slices, sign the exact bytes, bound the whole exchange (connect, upload, queue, compute,
 * download) by one timeout, and check the answer before anyone uses it. Every way the call can
 * fail ends as a {@link GpuWorkerCallError} whose kind tells the pool what to do next.
 * Workers runtime code: Web APIs only.
 */
import { decodeFrame, encodeFrame } from '../../../shared/frame-codec.js';
import {
  INFER_MAX_DEADLINE_MS,
  INFER_PATH,
  INFER_PROTOCOL_VERSION,
  INFER_REQUEST_CONTENT_TYPE,
  INFER_RESPONSE_CONTENT_TYPE,
  InferResponseHeader,
  type InferRequestHeader,
  type InferTiming,
} from '../../../shared/infer-protocol.js';
import { mediaType } from '../../../shared/media-type.js';
import type { ModelId } from '../../../shared/model-id.js';
import { Problem, PROBLEM_CONTENT_TYPE } from '../../../shared/problem.js';
import { signRequest } from '../../../shared/request-signing.js';
import type { ModelSlice } from './model-slice.js';
import { GpuWorkerCallError, type GpuWorkerFailureKind } from './gpu-worker-call-error.js';

export interface InferOnGpuWorkerOptions {
  /** HMAC secret shared with the workers. */
  secret: string;
  /** Budget for the whole call; also sent as the request's queue deadline. */
  timeoutMs: number;
  /** Correlation id for the GPU worker's logs (`[A-Za-z0-9._-]{1,64}`). */
  requestId?: string;
  /** The model's input side: every slice is `inputSize²` bytes and so is every map. */
  inputSize: number;
  /** Aborting it abandons the call and rethrows the signal's reason (not a GpuWorkerCallError). */
  signal?: AbortSignal;
}

export interface GpuWorkerAnswer {
  /** One 8-bit probability map per slice (p * 255), in the order sent; views of one buffer. */
  probabilities: Uint8Array[];
  model: ModelId;
  timing: InferTiming;
}

/**
 * Sends `slices` to the GPU worker at `origin` and returns its probability maps in the same order.
 * Throws {@link GpuWorkerCallError} on any GPU worker or network failure, the caller's abort reason
 * when `opts.signal` aborts, and a RangeError for slices of the wrong size (a bug upstream).
 *
 * @example
 * const { probabilities } = await inferOnGpuWorker('http://10.0.0.5:8081', slices, { secret, timeoutMs: 30_000, inputSize: 352 });
 */
export async function inferOnGpuWorker(origin: string, slices: readonly ModelSlice[], opts: InferOnGpuWorkerOptions): Promise<GpuWorkerAnswer> {
  const { inputSize } = opts;
  const sliceBytes = inputSize * inputSize;
  if (slices.length === 0) throw new RangeError('slices: at least one slice is required');
  slices.forEach((s, i) => {
    if (s.pixels.length !== sliceBytes) {
      throw new RangeError(`slices[${i}].pixels: expected ${sliceBytes} bytes (${inputSize}x${inputSize}), got ${s.pixels.length}`);
    }
  });

  opts.signal?.throwIfAborted();
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;

  const header: InferRequestHeader = {
    version: INFER_PROTOCOL_VERSION,
    ...(opts.requestId ? { requestId: opts.requestId } : {}),
    deadlineMs: queueDeadlineMs(opts.timeoutMs),
    slices: slices.map((s) => ({ width: inputSize, height: inputSize, originalWidth: s.originalWidth, originalHeight: s.originalHeight })),
  };
  const body = encodeFrame(header, slices.map((s) => s.pixels));
  const signature = await signRequest(opts.secret, { method: 'POST', target: INFER_PATH, body, timestamp: Date.now() });

  // A thrown error is ours to name: the caller's abort, our timeout, or the network.
  const failed = (err: unknown): never => {
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (timeout.aborted) throw new GpuWorkerCallError('timeout', origin, `no answer within ${opts.timeoutMs} ms`, { cause: err });
    throw new GpuWorkerCallError('network', origin, `connection failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  };

  let res: Response;
  let bytes: Uint8Array;
  try {
    res = await fetch(origin + INFER_PATH, {
      method: 'POST',
      body: body as Uint8Array<ArrayBuffer>,
      headers: { 'content-type': INFER_REQUEST_CONTENT_TYPE, ...signature },
      // A redirect would re-send a body signed for another path; a GPU worker never redirects.
      redirect: 'manual',
      signal,
    });
    if (res.status !== 200) throw await failureFromResponse(origin, res);
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    if (err instanceof GpuWorkerCallError) throw err;
    return failed(err);
  }
  if (mediaType(res.headers.get('content-type')) !== INFER_RESPONSE_CONTENT_TYPE) {
    throw new GpuWorkerCallError('bad_response', origin, `200 with content-type ${res.headers.get('content-type') ?? '(none)'}`, { status: 200 });
  }
  return parseAnswer(origin, bytes, slices.length, opts);
}

/** Checks a 200 frame against what was asked: schema, count, sizes and request id. */
function parseAnswer(origin: string, bytes: Uint8Array, count: number, opts: InferOnGpuWorkerOptions): GpuWorkerAnswer {
  const bad = (why: string, cause?: unknown) => new GpuWorkerCallError('bad_response', origin, why, { status: 200, cause });
  let frame;
  try {
    frame = decodeFrame(bytes);
  } catch (err) {
    throw bad(`undecodable frame: ${(err as Error).message}`, err);
  }
  const parsed = InferResponseHeader.safeParse(frame.header);
  if (!parsed.success) throw bad(`response header does not match the protocol: ${parsed.error.issues[0]?.message}`);
  const header = parsed.data;
  const sliceBytes = opts.inputSize * opts.inputSize;
  if (header.slices.length !== count) throw bad(`expected ${count} slices, got ${header.slices.length}`);
  if (header.slices.some((s) => s.width !== opts.inputSize || s.height !== opts.inputSize)) {
    throw bad(`maps are not ${opts.inputSize}x${opts.inputSize}`);
  }
  if (frame.payload.length !== count * sliceBytes) throw bad(`payload is ${frame.payload.length} bytes, expected ${count * sliceBytes}`);
  if (opts.requestId && header.requestId !== undefined && header.requestId !== opts.requestId) throw bad('answer is for another request id');
  const probabilities = Array.from({ length: count }, (_, i) => frame.payload.subarray(i * sliceBytes, (i + 1) * sliceBytes));
  return { probabilities, model: header.model, timing: header.timing };
}

/**
 * The queue deadline sent with a call of `timeoutMs`. Relative, so clock skew does not matter;
 * shorter than the call's own timeout by a margin for compute and transfer, so a GPU worker that
 * is merely busy answers 504 `deadline_exceeded` (back-pressure) before our timer fires, and only
 * a GPU worker that does not answer at all ends as a `timeout` (ill health).
 */
export function queueDeadlineMs(timeoutMs: number): number {
  const margin = Math.min(5_000, Math.max(50, timeoutMs / 4));
  return Math.max(1, Math.min(INFER_MAX_DEADLINE_MS, Math.floor(timeoutMs - margin)));
}

/**
 * Classifies a non-200 answer, reading its problem+json body (small) when there is one. Any
 * other body is cancelled unread: nothing in it changes the verdict, and under wrangler dev a
 * refused connection comes back as a chunked text/plain 500 whose reading kept the queue event
 * that made the call from ever finishing (its retry never came).
 */
async function failureFromResponse(origin: string, res: Response): Promise<GpuWorkerCallError> {
  let code: string | undefined;
  if (mediaType(res.headers.get('content-type')) === PROBLEM_CONTENT_TYPE) {
    try {
      code = Problem.safeParse(JSON.parse(await res.text())).data?.code;
    } catch {
      // Not JSON after all: classify by status alone.
    }
  } else {
    await res.body?.cancel();
  }
  const status = res.status;
  const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
  // Only the GPU worker's own queue_full and deadline_exceeded are back-pressure (it is alive and
  // busy); a bare 503 or 504 may be a proxy in front of a dead GPU worker (workerd answers refused
  // connections with a 5xx), which is ill health.
  const kind: GpuWorkerFailureKind =
    (status === 503 && code === 'queue_full') || (status === 504 && code === 'deadline_exceeded') || status === 429
      ? 'overloaded'
      : status >= 500
        ? 'server'
        : status >= 400
          ? 'rejected'
          : 'bad_response';
  return new GpuWorkerCallError(kind, origin, `answered ${status}${code ? ` ${code}` : ''}`, {
    status,
    ...(code ? { code } : {}),
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
}

/** Retry-After as seconds (RFC 9110 section 10.2.3: delay-seconds or an HTTP date). */
function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
