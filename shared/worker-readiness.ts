/**
 * The GPU worker's `GET /readyz` answer when it is ready, as a schema both sides use: the worker
 * builds it, the edge's health probe parses it. It names the execution provider really in use
 * (so an orchestrator never routes to a worker that silently fell back) and how many of the
 * configured session threads are ready to run a batch.
 */
import { z } from 'zod';
import { ModelId } from './model-id.js';

/** onnxruntime-node's own provider names, in the order `auto` tries them. */
export const EXECUTION_PROVIDERS = ['cuda', 'webgpu', 'cpu'] as const;
export const ExecutionProvider = z.enum(EXECUTION_PROVIDERS);
export type ExecutionProvider = z.infer<typeof ExecutionProvider>;

/** One try at creating and warming a session on a provider. */
export const ProviderAttempt = z.object({
  provider: ExecutionProvider,
  ok: z.boolean(),
  error: z.string().optional(),
});
export type ProviderAttempt = z.infer<typeof ProviderAttempt>;

/** Session threads that can take a batch now, out of those configured. */
export const SessionThreadCount = z.object({
  ready: z.number().int().nonnegative(),
  configured: z.number().int().positive(),
});
export type SessionThreadCount = z.infer<typeof SessionThreadCount>;

export const ReadyzBody = z.object({
  status: z.literal('ready'),
  model: ModelId.extend({
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    inputSize: z.number().int().positive(),
  }),
  executionProvider: ExecutionProvider,
  requestedExecutionProvider: z.enum(['auto', ...EXECUTION_PROVIDERS]),
  providerAttempts: z.array(ProviderAttempt),
  sessionThreads: SessionThreadCount,
});
export type ReadyzBody = z.infer<typeof ReadyzBody>;
