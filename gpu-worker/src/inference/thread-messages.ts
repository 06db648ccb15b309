/** Messages between the session pool (main thread) and its session threads. */
import type { ExecutionProvider, ProviderAttempt } from '../../../shared/worker-readiness.js';
import type { OrtBackendOptions } from './ort-backend.js';

/** A session thread's workerData: what it creates its backend with. */
export type ThreadInit = OrtBackendOptions;

export type ThreadReady = { type: 'ready'; provider: ExecutionProvider; attempts: ProviderAttempt[] };
export type ThreadInitFailed = { type: 'init-failed'; attempts: ProviderAttempt[] };

export interface RunRequest {
  type: 'run';
  id: number;
  /** count x inputSize x inputSize gray bytes, transferred (not copied) to the thread. */
  gray: Uint8Array;
  count: number;
}
export type RunResult = { type: 'result'; id: number; probabilities: Uint8Array; computeMs: number } | { type: 'run-failed'; id: number; error: string };

export type FromThread = ThreadReady | ThreadInitFailed | RunResult;
