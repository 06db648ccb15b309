/**
 * A fixed number of session threads, each owning one long-lived onnxruntime session. The pool
 * hands a batch to an idle thread and resolves with its probabilities. A thread that dies costs
 * its one batch: the pool starts a replacement, and keeps retrying with backoff while the
 * replacement fails, logging every failure, so capacity lost is visible (ready vs configured
 * threads, /readyz, /metrics) and comes back by itself when the cause goes away.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import type { ExecutionProvider, ProviderAttempt, SessionThreadCount } from '../../../shared/worker-readiness.js';
import type { Logger } from '../log.js';
import { SessionInitError } from './ort-backend.js';
import { startSessionThread } from './start-session-thread.js';
import type { FromThread, RunRequest, ThreadInit } from './thread-messages.js';

export interface BatchResult {
  probabilities: Uint8Array;
  computeMs: number;
}

export interface SessionPoolOptions {
  log: Logger;
  /** Delay before retrying a failed replacement, doubling per failure up to the cap. */
  replaceBackoffMs?: { first: number; max: number };
  /** Starts one session thread; the default runs session-thread.ts. */
  startThread?: (init: ThreadInit) => Worker;
}

const DEFAULT_BACKOFF_MS = { first: 500, max: 30_000 };

interface Job {
  id: number;
  resolve: (r: BatchResult) => void;
  reject: (e: Error) => void;
}

/** One place in the pool: the ready session thread it holds, or the replacement being started. */
interface Slot {
  readonly index: number;
  /** Undefined while a replacement starts: the slot takes no batch then. */
  thread: Worker | undefined;
  /** The batch the thread is running; a thread runs one at a time. */
  job: Job | undefined;
  /** A replacement still loading, so close() can stop it too. */
  starting: Worker | undefined;
}

export class SessionPool {
  private nextId = 1;
  private closed = false;
  private readonly closing = new AbortController();
  /** Called whenever a thread becomes idle, so the batcher can hand it the next batch. */
  onIdle: () => void = () => undefined;

  private constructor(
    private readonly init: ThreadInit,
    private readonly slots: Slot[],
    /** The provider really in use; replacements are held to it (no silent fallback later). */
    readonly provider: ExecutionProvider,
    readonly attempts: ProviderAttempt[],
    private readonly log: Logger,
    private readonly backoffMs: { first: number; max: number },
    private readonly startThread: (init: ThreadInit) => Worker,
  ) {}

  /** Starts `count` threads and resolves once every one has loaded and warmed its session. */
  static async create(init: ThreadInit, count: number, options: SessionPoolOptions): Promise<SessionPool> {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
    const startThread = options.startThread ?? startSessionThread;
    const threads = Array.from({ length: count }, () => startThread(init));
    try {
      const ready = await Promise.all(threads.map(waitReady));
      const slots = threads.map((thread, index): Slot => ({ index, thread, job: undefined, starting: undefined }));
      const { provider, attempts } = ready[0]!;
      const pool = new SessionPool({ ...init, providers: [provider] }, slots, provider, attempts, options.log, options.replaceBackoffMs ?? DEFAULT_BACKOFF_MS, startThread);
      for (const slot of slots) pool.watch(slot, slot.thread!);
      return pool;
    } catch (err) {
      await Promise.all(threads.map((t) => t.terminate()));
      throw err;
    }
  }

  /** Session threads configured, ready or not. */
  get size(): number {
    return this.slots.length;
  }

  /** Session threads that have a warmed session, busy or idle (0 once closed). */
  get readyCount(): number {
    return this.closed ? 0 : this.slots.filter((s) => s.thread).length;
  }

  get idleCount(): number {
    return this.closed ? 0 : this.slots.filter((s) => s.thread && !s.job).length;
  }

  /** For /readyz and /metrics. */
  get threadCount(): SessionThreadCount {
    return { ready: this.readyCount, configured: this.size };
  }

  /** Runs one batch on an idle thread; callers must check idleCount first. */
  run(gray: Uint8Array, count: number): Promise<BatchResult> {
    const slot = this.slots.find((s) => s.thread && !s.job);
    if (!slot || this.closed) return Promise.reject(new Error('no idle session thread'));
    const id = this.nextId++;
    return new Promise<BatchResult>((resolve, reject) => {
      slot.job = { id, resolve, reject };
      const msg: RunRequest = { type: 'run', id, gray, count };
      slot.thread!.postMessage(msg, [gray.buffer as ArrayBuffer]);
    });
  }

  /** Stops every thread (and any replacement being started or waited for). */
  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    const threads = this.slots.flatMap((s) => [s.thread, s.starting]).filter((t): t is Worker => t !== undefined);
    for (const slot of this.slots) {
      slot.job?.reject(new Error('the session pool was closed'));
      slot.job = undefined;
    }
    await Promise.all(threads.map((t) => t.terminate()));
  }

  private watch(slot: Slot, thread: Worker): void {
    thread.on('message', (msg: FromThread) => {
      if ((msg.type !== 'result' && msg.type !== 'run-failed') || slot.thread !== thread || slot.job?.id !== msg.id) return;
      const job = slot.job;
      slot.job = undefined;
      if (msg.type === 'result') job.resolve({ probabilities: msg.probabilities, computeMs: msg.computeMs });
      else job.reject(new Error(`inference failed: ${msg.error}`));
      this.onIdle();
    });
    // Node may report one death as both an error and an exit: only the first one counts.
    const died = (why: string) => {
      if (this.closed || slot.thread !== thread) return;
      slot.thread = undefined;
      slot.job?.reject(new Error(`session thread died: ${why}`));
      slot.job = undefined;
      this.log.error('session thread died; starting a replacement', { thread: slot.index, reason: why, ready: this.readyCount, configured: this.size });
      void this.replace(slot);
    };
    thread.on('error', (err) => died(err.message));
    thread.on('exit', (code) => died(`exit code ${code}`));
  }

  /** Starts replacements for `slot` until one is ready or the pool closes. */
  private async replace(slot: Slot): Promise<void> {
    let delayMs = this.backoffMs.first;
    for (let attempt = 1; !this.closed; attempt++) {
      const thread = this.startThread(this.init);
      slot.starting = thread;
      try {
        await waitReady(thread);
      } catch (err) {
        slot.starting = undefined;
        await thread.terminate();
        if (this.closed) return;
        // The message is onnxruntime's or Node's (a provider error, an exit code): never pixels.
        this.log.error('session thread replacement failed', { thread: slot.index, attempt, retryInMs: delayMs, error: (err as Error).message.slice(0, 500) });
        try {
          await sleep(delayMs, undefined, { signal: this.closing.signal });
        } catch {
          return; // closed while waiting
        }
        delayMs = Math.min(delayMs * 2, this.backoffMs.max);
        continue;
      }
      slot.starting = undefined;
      if (this.closed) {
        await thread.terminate();
        return;
      }
      slot.thread = thread;
      this.watch(slot, thread);
      this.log.info('session thread replaced', { thread: slot.index, attempts: attempt, ready: this.readyCount, configured: this.size });
      this.onIdle();
      return;
    }
  }
}

/** Resolves with the thread's provider once its session is warmed; rejects if it cannot start. */
function waitReady(thread: Worker): Promise<{ provider: ExecutionProvider; attempts: ProviderAttempt[] }> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: FromThread) => {
      if (msg.type === 'ready') {
        cleanup();
        resolve({ provider: msg.provider, attempts: msg.attempts });
      } else if (msg.type === 'init-failed') {
        cleanup();
        reject(new SessionInitError(msg.attempts));
      }
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`session thread exited with code ${code} before it was ready`));
    };
    const cleanup = () => {
      thread.off('message', onMessage);
      thread.off('error', onError);
      thread.off('exit', onExit);
    };
    thread.on('message', onMessage);
    thread.on('error', onError);
    thread.on('exit', onExit);
  });
}
