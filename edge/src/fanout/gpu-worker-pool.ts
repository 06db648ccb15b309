/**
 * Fans one request's slices out over the GPU workers and gathers the maps back in upload order.
 * Slices go in chunks of at most `maxSlicesPerCall` (the GPU worker batches 8, so 8-slice calls fill
 * its batches while spreading a 64-slice upload over every GPU worker), all chunks at once, each to
 * the least-loaded worker whose breaker lets it through. A failed or stalled chunk is retried on
 * a GPU worker it has not tried yet, a pushed-back one after the worker's Retry-After, within the
 * request's overall deadline; when a chunk cannot be served the others are aborted and the
 * request ends with one {@link EdgeError}.
 * Workers runtime code: Web APIs only.
 */
import { EdgeError } from '../http/edge-error.js';
import { CircuitBreaker, type BreakerPermit, type Clock } from './circuit-breaker.js';
import { sameModel, type ModelId } from '../../../shared/model-id.js';
import { inferOnGpuWorker } from './gpu-worker-client.js';
import type { ModelSlice } from './model-slice.js';
import { giveUpError } from './give-up-error.js';
import { GpuWorkerCallError, type GpuWorkerFailureKind } from './gpu-worker-call-error.js';
import { watchLiveness } from './liveness-watch.js';
import type { ChunkReport, GpuWorkerPoolOptions, InferOptions, PoolInferResult, WorkerSnapshot } from './gpu-worker-pool-options.js';
import { abortableSleep } from './abortable-sleep.js';

interface WorkerSlot {
  origin: string;
  breaker: CircuitBreaker;
  inFlight: number;
  /** Until then the GPU worker said its queue is full: other GPU workers are preferred. */
  busyUntil: number;
  /**
   * When the GPU worker last answered anything (a map or a refusal). A timeout soon after an
   * answer is load, not death; a frozen worker is caught by the liveness watch instead.
   */
  lastAnswerAt: number;
}

interface Chunk {
  start: number;
  slices: readonly ModelSlice[];
}

interface RequestContext {
  deadline: number;
  signal: AbortSignal;
  requestId: string | undefined;
}

/**
 * A timeout from a worker that answered anything this much longer than one call timeout ago is
 * load, not death: under a burst a live worker's answers queue up behind each other.
 */
const RECENT_ANSWER_GRACE_MS = 5_000;

/** The longest one pushed-back chunk sleeps before asking its busy worker again. */
const MAX_OVERLOAD_WAIT_MS = 1_000;

/** Failures that say the GPU worker is unwell. Back-pressure (overloaded) and our own 4xx do not. */
const HEALTH_FAILURES: ReadonlySet<GpuWorkerFailureKind> = new Set(['timeout', 'stalled', 'network', 'server', 'bad_response']);

/**
 * @example
 * const pool = new GpuWorkerPool(config.workerOrigins, { secret: config.workerHmacSecret, inputSize: 352, timeoutMs: config.workerTimeoutMs });
 * const { probabilities } = await pool.infer(slices, { requestId });
 */
export class GpuWorkerPool {
  private readonly slots: WorkerSlot[];
  private readonly deadlineMs: number;
  private readonly maxSlicesPerCall: number;
  private readonly maxAttempts: number;
  private readonly maxOverloadRetries: number;
  /** Where the next tie-break starts, so equally loaded workers take turns. */
  private cursor = 0;

  constructor(
    origins: readonly string[],
    private readonly options: GpuWorkerPoolOptions,
    private readonly clock: Clock = Date.now,
  ) {
    if (origins.length === 0) throw new RangeError('origins: at least one worker origin is required');
    this.slots = origins.map((origin) => ({ origin, breaker: new CircuitBreaker(options.breaker, clock), inFlight: 0, busyUntil: 0, lastAnswerAt: 0 }));
    this.deadlineMs = options.deadlineMs ?? 2 * options.timeoutMs;
    this.maxSlicesPerCall = options.maxSlicesPerCall ?? 8;
    this.maxAttempts = Math.min(options.maxAttempts ?? 3, origins.length);
    this.maxOverloadRetries = options.maxOverloadRetries ?? 8;
    if (!Number.isInteger(this.maxSlicesPerCall) || this.maxSlicesPerCall < 1) throw new RangeError('maxSlicesPerCall: must be a positive integer');
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) throw new RangeError('maxAttempts: must be a positive integer');
  }

  /**
   * Runs every slice through the model on the GPU workers; maps come back in upload order.
   * Throws EdgeError 503 `workers_unavailable`, 504 `worker_timeout` or 502 `worker_rejected` /
   * `worker_model_mismatch` when it must give up, and the signal's reason when aborted.
   */
  async infer(slices: readonly ModelSlice[], opts: InferOptions = {}): Promise<PoolInferResult> {
    const sliceBytes = this.options.inputSize ** 2;
    if (slices.length === 0) throw new RangeError('slices: at least one slice is required');
    // Checked before anything is sent, so a bad slice cannot leave half the chunks running.
    slices.forEach((s, i) => {
      if (s.pixels.length !== sliceBytes) throw new RangeError(`slices[${i}].pixels: expected ${sliceBytes} bytes, got ${s.pixels.length}`);
    });
    opts.signal?.throwIfAborted();

    const group = new AbortController();
    const ctx: RequestContext = {
      deadline: this.clock() + this.deadlineMs,
      signal: opts.signal ? AbortSignal.any([opts.signal, group.signal]) : group.signal,
      requestId: opts.requestId,
    };
    const chunks: Chunk[] = [];
    for (let start = 0; start < slices.length; start += this.maxSlicesPerCall) {
      chunks.push({ start, slices: slices.slice(start, start + this.maxSlicesPerCall) });
    }
    // The first chunk to give up aborts the rest: the request has failed, their work is waste.
    const results = await Promise.all(
      chunks.map((chunk) =>
        this.runChunk(chunk, ctx).catch((err: unknown) => {
          group.abort(err);
          throw err;
        }),
      ),
    );

    const model = results[0]!.model;
    if (results.some((r) => !sameModel(r.model, model))) {
      throw new EdgeError(502, 'worker_model_mismatch', 'the GPU workers serve different model versions; retry after the rollout');
    }
    return {
      probabilities: results.flatMap((r) => r.probabilities),
      model,
      calls: results.map(({ origin, start, slices: n, attempts, timing }) => ({ origin, start, slices: n, attempts, timing })),
    };
  }

  /** Every GPU worker's breaker state and load, in configuration order. */
  snapshot(): WorkerSnapshot[] {
    return this.slots.map((s) => ({
      origin: s.origin,
      state: s.breaker.state,
      inFlight: s.inFlight,
      consecutiveFailures: s.breaker.consecutiveFailures,
    }));
  }

  /**
   * One chunk, until a GPU worker answers or the chunk must give up. A worker that fails (or
   * refuses) is not tried again for this chunk; one that pushes back (queue full, deadline) may
   * be, once its Retry-After has passed, while the request's deadline allows.
   */
  private async runChunk(chunk: Chunk, ctx: RequestContext): Promise<ChunkReport & { probabilities: Uint8Array[]; model: ModelId }> {
    const tried = new Set<WorkerSlot>();
    const failures: GpuWorkerCallError[] = [];
    const count = chunk.slices.length;
    let outOfTime = false;
    let overloadWaits = 0;
    let waited = false;
    for (let attempt = 1; tried.size < this.maxAttempts; attempt++) {
      const remaining = ctx.deadline - this.clock();
      if (remaining <= 0) {
        outOfTime = true;
        break;
      }
      // The first attempt takes a busy worker if nothing else is there; a retry waits first.
      const picked = this.pick(tried, attempt > 1 && !waited);
      waited = false;
      if (!picked) {
        const busyMs = this.soonestBusyMs(tried);
        // A worker's Retry-After is an estimate from its recent throughput; asking again within a
        // second costs one cheap refusal, while sleeping out a pessimistic estimate costs the series.
        const waitMs = busyMs === undefined ? undefined : Math.min(busyMs, MAX_OVERLOAD_WAIT_MS);
        if (waitMs === undefined || overloadWaits >= this.maxOverloadRetries || waitMs >= remaining) break;
        overloadWaits++;
        waited = true;
        await abortableSleep(waitMs, ctx.signal);
        continue;
      }
      const { slot, permit } = picked;
      slot.inFlight += count;
      const call = new AbortController();
      const timeoutMs = Math.min(this.options.timeoutMs, remaining);
      // Probed by half-time at the latest, so a timeout can tell a busy worker from a dead one.
      const liveness = { ...this.options.liveness, afterMs: Math.min(this.options.liveness?.afterMs ?? 2_000, timeoutMs / 2) };
      const watch = watchLiveness(slot.origin, liveness, (stalled) => call.abort(stalled));
      try {
        const result = await inferOnGpuWorker(slot.origin, chunk.slices, {
          secret: this.options.secret,
          inputSize: this.options.inputSize,
          timeoutMs,
          signal: AbortSignal.any([ctx.signal, call.signal]),
          ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
        });
        slot.breaker.record(permit, 'success');
        slot.lastAnswerAt = this.clock();
        return { ...result, origin: slot.origin, start: chunk.start, slices: count, attempts: attempt };
      } catch (err) {
        if (!(err instanceof GpuWorkerCallError)) {
          // Aborted (a sibling chunk failed or the client left): says nothing about this worker.
          slot.breaker.record(permit, 'neutral');
          throw err;
        }
        if (err.status !== undefined) slot.lastAnswerAt = this.clock();
        // Out of time, but answering /healthz or other calls: slow under load is back-pressure, not ill health.
        const slow = err.kind === 'timeout' && (watch.sawAlive() || this.clock() - slot.lastAnswerAt <= this.options.timeoutMs + RECENT_ANSWER_GRACE_MS);
        slot.breaker.record(permit, HEALTH_FAILURES.has(err.kind) && !slow ? 'failure' : 'neutral');
        if (err.kind === 'overloaded' || slow) slot.busyUntil = this.clock() + (err.retryAfter ?? 1) * 1000;
        else tried.add(slot);
        failures.push(err);
        if (!err.retryable) break;
        ctx.signal.throwIfAborted();
      } finally {
        watch.stop();
        slot.inFlight -= count;
      }
    }
    throw giveUpError(failures, { outOfTime, retryAfterMs: this.soonestProbeMs() });
  }

  /** Milliseconds until the first busy worker not yet failed for this chunk takes work again. */
  private soonestBusyMs(tried: ReadonlySet<WorkerSlot>): number | undefined {
    const now = this.clock();
    const waits = this.slots.filter((s) => !tried.has(s) && s.busyUntil > now && s.breaker.canPass()).map((s) => s.busyUntil - now);
    return waits.length > 0 ? Math.min(...waits) : undefined;
  }

  /**
   * The GPU worker for the next attempt, with its breaker permit. Preference: a half-open worker
   * (its one probe is how it comes back; a failed probe just costs this chunk a retry), then
   * workers not recently overloaded, then the fewest slices in flight, then taking turns.
   */
  private pick(tried: ReadonlySet<WorkerSlot>, skipBusy: boolean): { slot: WorkerSlot; permit: BreakerPermit } | undefined {
    const now = this.clock();
    const n = this.slots.length;
    const rank = (s: WorkerSlot, i: number): number[] => [
      s.breaker.state === 'half_open' ? 0 : 1,
      s.busyUntil > now ? 1 : 0,
      s.inFlight,
      (i - this.cursor + n) % n,
    ];
    const candidates = this.slots
      .map((slot, i) => ({ slot, i, key: rank(slot, i) }))
      .filter(({ slot }) => !tried.has(slot) && slot.breaker.canPass() && !(skipBusy && slot.busyUntil > now))
      .sort((a, b) => compareKeys(a.key, b.key));
    for (const { slot, i } of candidates) {
      const permit = slot.breaker.acquire();
      if (!permit) continue;
      this.cursor = (i + 1) % n;
      return { slot, permit };
    }
    return undefined;
  }

  /** When the first open breaker will let a probe through: the honest Retry-After when none can take work. */
  private soonestProbeMs(): number | undefined {
    const waits = this.slots.filter((s) => !s.breaker.canPass()).map((s) => s.breaker.msUntilProbe());
    return waits.length === this.slots.length ? Math.min(...waits) : undefined;
  }
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
