/** Messages between the session pool (main thread) and its session threads. */
import type { ExecutionProvider } from '../config.js';
import type { Normalization } from './normalize.js';
import type { ModelManifest } from '../../../shared/model-manifest.js';

export interface ThreadInit {
  modelBytes: Uint8Array;
  inputName: string;
  outputName: string;
  inputSize: number;
  normalization: Normalization;
  weightStorage: ModelManifest['weightStorage'];
  providers: ExecutionProvider[];
  intraOpThreads: number;
  /** Batch sizes to run once before reporting ready, so the first caller does not pay warm-up. */
  warmupBatchSizes: number[];
}

export type ThreadReady = { type: 'ready'; provider: ExecutionProvider; attempts: ProviderAttempt[] };
export type ThreadInitFailed = { type: 'init-failed'; attempts: ProviderAttempt[] };
export interface ProviderAttempt {
  provider: ExecutionProvider;
  ok: boolean;
  error?: string;
}

export interface RunRequest {
  type: 'run';
  id: number;
  /** count x inputSize x inputSize gray bytes, transferred (not copied) to the thread. */
  gray: Uint8Array;
  count: number;
}
export type RunResult = { type: 'result'; id: number; probabilities: Uint8Array; computeMs: number } | { type: 'run-failed'; id: number; error: string };

export type FromThread = ThreadReady | ThreadInitFailed | RunResult;
