/**
 * Dynamic batching. Requests put their slices in one bounded FIFO; a batch leaves as soon as
 * `maxBatch` slices wait or the oldest has waited `maxQueueDelayMs`, whichever is first, and
 * only when a session thread is idle (so a busy model naturally forms bigger batches).
 * A request whose deadline passes while any of its slices still waits is answered 504 and its
 * slices leave the queue; a request that would overflow the queue is refused 503 at once, so
 * memory stays bounded under any load. Those refusals are WorkerErrors, so they reach the
 * caller as problem+json with no mapping in between.
 */
import { WorkerError } from '../http/worker-error.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import type { BatchResult } from './session-pool.js';

export interface BatchRunner {
  readonly idleCount: number;
  run(gray: Uint8Array, count: number): Promise<BatchResult>;
}

export interface BatcherOptions {
  maxBatch: number;
  maxQueueDelayMs: number;
  /** Most slices that may wait at once. */
  capacity: number;
  /** Bytes per slice (input size squared). */
  sliceBytes: number;
}

/** 503 `queue_full`: admitting the request would overflow the queue; Retry-After from recent throughput. */
export class QueueFullError extends WorkerError {
  override name = 'QueueFullError';
  constructor(retryAfterSeconds: number) {
    super(503, 'queue_full', 'the inference queue is full; retry later', { retryAfter: retryAfterSeconds });
  }
}
/**
 * 504 `deadline_exceeded`: the request's deadline passed while some of its slices still waited.
 * It is back-pressure like queue_full, so it says when the queue should have room again.
 */
export class DeadlineExceededError extends WorkerError {
  override name = 'DeadlineExceededError';
  constructor(retryAfterSeconds: number) {
    super(504, 'deadline_exceeded', 'the request deadline passed before its slices ran', { retryAfter: retryAfterSeconds });
  }
}
/** 503 `shutting_down`: the GPU worker is draining and takes no new work. */
export class ShuttingDownError extends WorkerError {
  override name = 'ShuttingDownError';
  constructor() {
    super(503, 'shutting_down', 'the worker is shutting down', { retryAfter: 1 });
  }
}

export interface JobResult {
  probabilities: Uint8Array[];
  queueMs: number;
  computeMs: number;
  batchSizes: number[];
}

interface Job {
  slices: Uint8Array[];
  results: (Uint8Array | undefined)[];
  remaining: number;
  /** performance.now() time after which still-queued slices are dropped. */
  deadline: number;
  queuedAt: number;
  queueMs: number;
  computeMs: number;
  batchSizes: number[];
  settled: boolean;
  resolve: (r: JobResult) => void;
  reject: (e: Error) => void;
}

interface SliceTask {
  job: Job;
  index: number;
  queuedAt: number;
}

export class Batcher {
  private queue: SliceTask[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight = 0;
  private draining = false;
  private drained: (() => void) | undefined;
  /** Recent slices per second, for an honest Retry-After. */
  private throughput = 0;

  constructor(
    private readonly runner: BatchRunner,
    private readonly options: BatcherOptions,
    private readonly metrics: WorkerMetrics,
  ) {}

  get pendingSlices(): number {
    return this.queue.length;
  }

  /** Queues a request's slices; resolves with one probability map per slice, in order. */
  submit(slices: Uint8Array[], deadlineMs: number): Promise<JobResult> {
    if (this.draining) return Promise.reject(new ShuttingDownError());
    if (this.queue.length + slices.length > this.options.capacity) {
      return Promise.reject(new QueueFullError(this.retryAfterSeconds(slices.length)));
    }
    return new Promise<JobResult>((resolve, reject) => {
      const now = performance.now();
      const job: Job = {
        slices,
        results: new Array(slices.length),
        remaining: slices.length,
        deadline: now + deadlineMs,
        queuedAt: now,
        queueMs: 0,
        computeMs: 0,
        batchSizes: [],
        settled: false,
        resolve,
        reject,
      };
      for (let index = 0; index < slices.length; index++) this.queue.push({ job, index, queuedAt: now });
      this.metrics.pendingSlices.set(this.queue.length);
      this.schedule();
    });
  }

  /** Stops taking work, runs everything already queued, resolves when the last batch is done. */
  drain(): Promise<void> {
    this.draining = true;
    this.schedule();
    return this.isIdle() ? Promise.resolve() : new Promise((resolve) => (this.drained = resolve));
  }

  /** Call when the runner has a free thread again. */
  readonly schedule = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dropExpired();
    while (this.queue.length > 0 && this.runner.idleCount > 0) {
      const oldestWait = performance.now() - this.queue[0]!.queuedAt;
      const full = this.queue.length >= this.options.maxBatch;
      if (!full && !this.draining && oldestWait < this.options.maxQueueDelayMs) {
        this.timer = setTimeout(this.schedule, this.options.maxQueueDelayMs - oldestWait);
        break;
      }
      this.dispatch(this.queue.splice(0, this.options.maxBatch));
    }
    this.metrics.pendingSlices.set(this.queue.length);
    if (this.draining && this.isIdle()) this.drained?.();
  };

  private isIdle(): boolean {
    return this.queue.length === 0 && this.inFlight === 0;
  }

  private dropExpired(): void {
    const now = performance.now();
    let dropped = false;
    for (const task of this.queue) {
      if (task.job.deadline <= now && !task.job.settled) {
        this.fail(task.job, new DeadlineExceededError(this.retryAfterSeconds(0)));
        dropped = true;
      }
    }
    if (dropped) this.queue = this.queue.filter((t) => !t.job.settled);
  }

  private dispatch(batch: SliceTask[]): void {
    const { sliceBytes } = this.options;
    const gray = new Uint8Array(batch.length * sliceBytes);
    const now = performance.now();
    batch.forEach((task, i) => {
      gray.set(task.job.slices[task.index]!, i * sliceBytes);
      const waited = now - task.queuedAt;
      task.job.queueMs = Math.max(task.job.queueMs, waited);
      this.metrics.queueDuration.observe(waited / 1000);
    });
    this.inFlight++;
    this.metrics.batchSize.observe(batch.length);
    this.metrics.execCount.inc();
    const started = performance.now();
    this.runner.run(gray, batch.length).then(
      ({ probabilities, computeMs }) => {
        this.metrics.computeDuration.observe(computeMs / 1000);
        this.metrics.inferenceCount.inc({}, batch.length);
        const elapsedS = (performance.now() - started) / 1000;
        this.throughput = elapsedS > 0 ? batch.length / elapsedS : this.throughput;
        const jobs = new Set<Job>();
        batch.forEach((task, i) => {
          if (task.job.settled) return;
          task.job.results[task.index] = probabilities.subarray(i * sliceBytes, (i + 1) * sliceBytes);
          task.job.remaining--;
          jobs.add(task.job);
        });
        for (const job of jobs) {
          job.computeMs += computeMs;
          job.batchSizes.push(batch.length);
          if (job.remaining === 0) this.succeed(job);
        }
        this.batchDone();
      },
      (err: Error) => {
        for (const task of batch) this.fail(task.job, err);
        this.queue = this.queue.filter((t) => !t.job.settled);
        this.batchDone();
      },
    );
  }

  private batchDone(): void {
    this.inFlight--;
    this.schedule();
  }

  private succeed(job: Job): void {
    job.settled = true;
    job.resolve({ probabilities: job.results as Uint8Array[], queueMs: job.queueMs, computeMs: job.computeMs, batchSizes: job.batchSizes });
  }

  private fail(job: Job, err: Error): void {
    if (job.settled) return;
    job.settled = true;
    job.reject(err);
  }

  private retryAfterSeconds(incoming: number): number {
    const rate = this.throughput > 0 ? this.throughput : 1;
    return Math.min(60, Math.max(1, Math.ceil((this.queue.length + incoming) / rate)));
  }
}
