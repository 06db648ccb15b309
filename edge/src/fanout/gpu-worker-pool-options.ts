/**
 * The shapes around GpuWorkerPool: its options, what `infer()` takes and returns, and the
 * per-worker snapshot /health reads. Workers runtime code: Web APIs only.
 */
import type { InferTiming } from '../../../shared/infer-protocol.js';
import type { ModelId } from '../../../shared/model-id.js';
import type { BreakerState, CircuitBreakerOptions } from './circuit-breaker.js';
import type { LivenessOptions } from './liveness-watch.js';

export interface GpuWorkerPoolOptions {
  /** HMAC secret shared with the workers. */
  secret: string;
  /** The model's input side (slices and maps are `inputSize²` bytes). */
  inputSize: number;
  /** Budget for one call to one worker. */
  timeoutMs: number;
  /**
   * Budget for a whole `infer()`, retries included (default `2 * timeoutMs`): one hung GPU worker
   * can be retried elsewhere in full, but hangs do not stack up to `maxAttempts` timeouts.
   */
  deadlineMs?: number;
  /** Most slices per worker call (default 8, the GPU worker's batch size). */
  maxSlicesPerCall?: number;
  /** Workers one chunk may try, the first included (default min(3, number of workers)). */
  maxAttempts?: number;
  /**
   * Times one chunk may wait for a busy GPU worker (up to its Retry-After, at most 1 s each) and
   * try again, within the deadline (default 8): a busy pool delays a series instead of throwing
   * away its finished chunks.
   */
  maxOverloadRetries?: number;
  breaker?: CircuitBreakerOptions;
  /** When a call's GPU worker is probed for a stall (see liveness-watch.ts). */
  liveness?: LivenessOptions;
}

export interface InferOptions {
  /** Correlation id passed to the GPU workers' logs. */
  requestId?: string;
  /** Aborting it (e.g. the client went away) abandons every call; infer rejects with its reason. */
  signal?: AbortSignal;
}

/** Who served one chunk, for logs and Server-Timing; origins are internal addresses. */
export interface ChunkReport {
  origin: string;
  /** Index of the chunk's first slice in the upload. */
  start: number;
  slices: number;
  /** Calls made for this chunk, the one that answered included. */
  attempts: number;
  timing: InferTiming;
}

export interface PoolInferResult {
  /** One 8-bit probability map per slice, in upload order. */
  probabilities: Uint8Array[];
  model: ModelId;
  calls: ChunkReport[];
}

/** One GPU worker's health as the pool sees it, for /health. */
export interface WorkerSnapshot {
  origin: string;
  state: BreakerState;
  /** Slices sent to it and not yet answered. */
  inFlight: number;
  consecutiveFailures: number;
}
