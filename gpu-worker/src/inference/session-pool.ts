/**
 * A fixed set of session threads, each owning one long-lived onnxruntime session. The pool hands
 * a batch to an idle thread and resolves with its probabilities; a thread that dies is replaced
 * so one crash costs one batch, not the worker.
 */
import { Worker } from 'node:worker_threads';
import type { ExecutionProvider } from '../config.js';
import type { FromThread, ProviderAttempt, RunRequest, ThreadInit } from './thread-messages.js';
import { sessionThreadEntry } from './thread-entry.js';

export interface BatchResult {
  probabilities: Uint8Array;
  computeMs: number;
}

interface Pending {
  resolve: (r: BatchResult) => void;
  reject: (e: Error) => void;
}

class SessionThread {
  readonly worker: Worker;
  pending: { id: number; job: Pending } | undefined;
  /** Set once the thread errored or exited, because Node may report one death as both. */
  dead = false;

  constructor(init: ThreadInit) {
    const { entry, options } = sessionThreadEntry();
    this.worker = new Worker(entry, { ...options, workerData: init });
  }
}

export class SessionInitError extends Error {
  override name = 'SessionInitError';
  constructor(readonly attempts: ProviderAttempt[]) {
    super(`no execution provider could run the model: ${attempts.map((a) => `${a.provider}: ${a.error ?? 'ok'}`).join('; ')}`);
  }
}

export class SessionPool {
  private nextId = 1;
  private closed = false;
  /** Called whenever a thread becomes idle, so the batcher can hand it the next batch. */
  onIdle: () => void = () => undefined;

  private constructor(
    private readonly init: ThreadInit,
    private threads: SessionThread[],
    readonly provider: ExecutionProvider,
    readonly attempts: ProviderAttempt[],
  ) {
    for (const t of threads) this.watch(t);
  }

  /** Starts `count` threads and resolves once every one has loaded and warmed its session. */
  static async create(init: ThreadInit, count: number): Promise<SessionPool> {
    const threads = Array.from({ length: count }, () => new SessionThread(init));
    try {
      const ready = await Promise.all(threads.map((t) => waitReady(t.worker)));
      return new SessionPool(init, threads, ready[0]!.provider, ready[0]!.attempts);
    } catch (err) {
      await Promise.all(threads.map((t) => t.worker.terminate()));
      throw err;
    }
  }

  get size(): number {
    return this.threads.length;
  }

  get idleCount(): number {
    return this.threads.filter((t) => !t.pending).length;
  }

  /** Runs one batch on an idle thread; callers must check idleCount first. */
  run(gray: Uint8Array, count: number): Promise<BatchResult> {
    const thread = this.threads.find((t) => !t.pending);
    if (!thread || this.closed) return Promise.reject(new Error('no idle session thread'));
    const id = this.nextId++;
    return new Promise<BatchResult>((resolve, reject) => {
      thread.pending = { id, job: { resolve, reject } };
      const msg: RunRequest = { type: 'run', id, gray, count };
      thread.worker.postMessage(msg, [gray.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }

  private watch(thread: SessionThread): void {
    thread.worker.on('message', (msg: FromThread) => {
      if ((msg.type !== 'result' && msg.type !== 'run-failed') || thread.pending?.id !== msg.id) return;
      const { job } = thread.pending;
      thread.pending = undefined;
      if (msg.type === 'result') job.resolve({ probabilities: msg.probabilities, computeMs: msg.computeMs });
      else job.reject(new Error(`inference failed: ${msg.error}`));
      this.onIdle();
    });
    const replace = (why: string) => {
      if (this.closed || thread.dead) return;
      thread.dead = true;
      thread.pending?.job.reject(new Error(`session thread died: ${why}`));
      thread.pending = undefined;
      const fresh = new SessionThread(this.init);
      // The replacement is busy until it has warmed up; mark it so no batch reaches it early.
      fresh.pending = { id: -1, job: { resolve: () => undefined, reject: () => undefined } };
      this.threads = this.threads.map((t) => (t === thread ? fresh : t));
      waitReady(fresh.worker).then(
        () => {
          fresh.pending = undefined;
          this.watch(fresh);
          this.onIdle();
        },
        () => undefined,
      );
    };
    thread.worker.on('error', (err) => replace(err.message));
    thread.worker.on('exit', (code) => replace(`exit code ${code}`));
  }
}

function waitReady(worker: Worker): Promise<{ provider: ExecutionProvider; attempts: ProviderAttempt[] }> {
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
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
