/**
 * What the GPU worker is doing right now (loading, ready, failed, draining) and what it serves.
 * Routes read it; startup and shutdown are the only writers.
 */
import type { ModelManifest } from '../../shared/model-manifest.js';
import type { ProviderAttempt } from '../../shared/worker-readiness.js';
import type { Batcher } from './inference/batcher.js';
import type { SessionPool } from './inference/session-pool.js';

export type Phase = 'loading' | 'ready' | 'failed' | 'draining';

export interface RuntimeState {
  phase: Phase;
  manifest: ModelManifest;
  /** Set once the session threads are up; it knows the provider in use and how many threads are ready. */
  pool?: SessionPool;
  batcher?: Batcher;
  /** Every provider tried, when the session threads could not start (a pool has its own). */
  attempts?: ProviderAttempt[];
  /** Why the model could not be loaded, when phase is 'failed'. */
  failure?: string;
}
