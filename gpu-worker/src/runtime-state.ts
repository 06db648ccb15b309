/**
 * What the worker is doing right now (loading, ready, failed, draining) and what it serves.
 * Routes read it; startup and shutdown are the only writers.
 */
import type { ModelManifest } from '../../shared/model-manifest.js';
import type { ExecutionProvider } from './config.js';
import type { Batcher } from './inference/batcher.js';
import type { ProviderAttempt } from './inference/thread-messages.js';

export type Phase = 'loading' | 'ready' | 'failed' | 'draining';

export interface RuntimeState {
  phase: Phase;
  manifest: ModelManifest;
  /** Set once the session threads are up. */
  provider?: ExecutionProvider;
  attempts?: ProviderAttempt[];
  batcher?: Batcher;
  /** Why the model could not be loaded, when phase is 'failed'. */
  failure?: string;
}
