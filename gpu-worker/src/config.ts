/**
 * The worker's whole configuration, parsed once from the environment with zod and passed down.
 * Defaults let `npm start` run on a laptop with nothing set; production must set the secret.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEV_HMAC_SECRET } from '../../shared/dev-secrets.js';

/** Used only outside production so a newcomer's local stack works; never valid in production. */
export { DEV_HMAC_SECRET };

export const EXECUTION_PROVIDERS = ['cuda', 'webgpu', 'cpu'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];


export const DEFAULT_MANIFEST = fileURLToPath(new URL('../../models/bsnet.manifest.json', import.meta.url));

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const EnvSchema = z.object({
  NODE_ENV: z.string().default('development'),
  BSNET_WORKER_HOST: z.string().default('127.0.0.1'),
  BSNET_WORKER_PORT: int(0, 65535).default(8081),
  /** Shared with the edge; at least 32 chars so it cannot be brute-forced. */
  BSNET_WORKER_HMAC_SECRET: z.string().min(32).optional(),
  BSNET_SIGNATURE_MAX_SKEW_MS: int(1_000, 600_000).default(60_000),
  BSNET_MODEL_MANIFEST: z.string().default(DEFAULT_MANIFEST),
  /** auto = try cuda, then webgpu, then cpu; a named provider is required (no silent fallback). */
  BSNET_EXECUTION_PROVIDER: z.enum(['auto', ...EXECUTION_PROVIDERS]).default('auto'),
  /** Long-lived sessions, one per worker thread. */
  BSNET_SESSION_THREADS: int(1, 64).default(1),
  /** onnxruntime intra-op threads per session; 0 = share the cores evenly between sessions. */
  BSNET_INTRA_OP_THREADS: int(0, 256).default(0),
  BSNET_MAX_BATCH: int(1, 256).default(8),
  BSNET_MAX_QUEUE_DELAY_MS: int(0, 10_000).default(5),
  /** Slices allowed to wait in the queue; beyond it requests get 503 instead of growing memory. */
  BSNET_QUEUE_CAPACITY: int(1, 100_000).default(256),
  BSNET_MAX_SLICES_PER_REQUEST: int(1, 1024).default(64),
  BSNET_DEFAULT_DEADLINE_MS: int(1, 600_000).default(30_000),
  BSNET_SHUTDOWN_GRACE_MS: int(0, 600_000).default(30_000),
});

export interface WorkerConfig {
  production: boolean;
  host: string;
  port: number;
  hmacSecret: string;
  signatureMaxSkewMs: number;
  manifestPath: string;
  executionProvider: 'auto' | ExecutionProvider;
  sessionThreads: number;
  intraOpThreads: number;
  maxBatch: number;
  maxQueueDelayMs: number;
  queueCapacity: number;
  maxSlicesPerRequest: number;
  defaultDeadlineMs: number;
  shutdownGraceMs: number;
}

/** Thrown for a configuration the worker must not start with; names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid worker environment: ${issues}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (production && !e.BSNET_WORKER_HMAC_SECRET) {
    throw new ConfigError('BSNET_WORKER_HMAC_SECRET must be set in production (32+ characters, shared with the edge)');
  }
  const intraOp = e.BSNET_INTRA_OP_THREADS || Math.max(1, Math.floor(availableParallelism() / e.BSNET_SESSION_THREADS));
  return {
    production,
    host: e.BSNET_WORKER_HOST,
    port: e.BSNET_WORKER_PORT,
    hmacSecret: e.BSNET_WORKER_HMAC_SECRET ?? DEV_HMAC_SECRET,
    signatureMaxSkewMs: e.BSNET_SIGNATURE_MAX_SKEW_MS,
    manifestPath: e.BSNET_MODEL_MANIFEST,
    executionProvider: e.BSNET_EXECUTION_PROVIDER,
    sessionThreads: e.BSNET_SESSION_THREADS,
    intraOpThreads: intraOp,
    maxBatch: e.BSNET_MAX_BATCH,
    maxQueueDelayMs: e.BSNET_MAX_QUEUE_DELAY_MS,
    queueCapacity: Math.max(e.BSNET_QUEUE_CAPACITY, e.BSNET_MAX_SLICES_PER_REQUEST),
    maxSlicesPerRequest: e.BSNET_MAX_SLICES_PER_REQUEST,
    defaultDeadlineMs: e.BSNET_DEFAULT_DEADLINE_MS,
    shutdownGraceMs: e.BSNET_SHUTDOWN_GRACE_MS,
  };
}
