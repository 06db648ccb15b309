/**
 * The GPU worker's whole configuration, parsed once from the environment with zod and passed
 * down; `WorkerConfig` is the schema's output, so the type and the parsing cannot drift apart.
 * Defaults let `npm start` run on a laptop with nothing set (NODE_ENV unset is development); any
 * NODE_ENV but exactly `development` (production, staging, test, …) must set the real secret.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEV_HMAC_SECRET, DEVELOPMENT } from '../../shared/dev-secrets.js';
import { envInt, parseEnv } from '../../shared/env-config.js';
import { EXECUTION_PROVIDERS } from '../../shared/worker-readiness.js';
import { LOG_LEVELS } from './log.js';

/** Used only with NODE_ENV=development so a newcomer's local stack works; public, so never elsewhere. */
export { DEV_HMAC_SECRET };

export const DEFAULT_MANIFEST = fileURLToPath(new URL('../../models/bsnet.manifest.json', import.meta.url));
/**
 * The default on the CPU provider: the same weights with int8 activations (models/quantize/),
 * 3.1x the float file's throughput on a 2-core AVX2 machine at the same accuracy (models/README.md).
 * GPUs (auto, cuda, webgpu) keep the float file.
 */
export const DEFAULT_CPU_MANIFEST = fileURLToPath(new URL('../../models/bsnet-int8.manifest.json', import.meta.url));

const WorkerEnv = z
  .object({
    // Read from the env object given (tests pass their own; vitest's NODE_ENV=test is not in it).
    NODE_ENV: z.string().default(DEVELOPMENT),
    BSNET_WORKER_HOST: z.string().default('127.0.0.1'),
    BSNET_WORKER_PORT: envInt(0, 65535).default(8081),
    /** Shared with the edge; at least 32 chars so it cannot be brute-forced. */
    BSNET_WORKER_HMAC_SECRET: z.string().min(32).optional(),
    BSNET_SIGNATURE_MAX_SKEW_MS: envInt(1_000, 600_000).default(60_000),
    BSNET_MODEL_MANIFEST: z.string().optional(),
    /** auto = try cuda, then webgpu, then cpu; a named provider is required (no silent fallback). */
    BSNET_EXECUTION_PROVIDER: z.enum(['auto', ...EXECUTION_PROVIDERS]).default('auto'),
    /** Long-lived sessions, one per session thread. */
    BSNET_SESSION_THREADS: envInt(1, 64).default(1),
    /** onnxruntime intra-op threads per session; 0 = share the cores evenly between sessions. */
    BSNET_INTRA_OP_THREADS: envInt(0, 256).default(0),
    BSNET_MAX_BATCH: envInt(1, 256).default(8),
    BSNET_MAX_QUEUE_DELAY_MS: envInt(0, 10_000).default(5),
    /** Slices allowed to wait in the queue; beyond it requests get 503 instead of growing memory. */
    BSNET_QUEUE_CAPACITY: envInt(1, 100_000).default(256),
    BSNET_MAX_SLICES_PER_REQUEST: envInt(1, 1024).default(64),
    BSNET_DEFAULT_DEADLINE_MS: envInt(1, 600_000).default(30_000),
    BSNET_SHUTDOWN_GRACE_MS: envInt(0, 600_000).default(30_000),
    /** `silent` mutes the logs (the test runner sets it); `warn` and `error` keep only those. */
    BSNET_LOG: z.enum(LOG_LEVELS).default('info'),
  })
  .transform((e, ctx) => {
    // Allow-list, not deny-list: staging or a typo must not fall back to a secret anyone can read
    // in this repository, and the edge of such a deployment refuses it too (edge/src/config.ts).
    if (e.NODE_ENV !== DEVELOPMENT && !e.BSNET_WORKER_HMAC_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['BSNET_WORKER_HMAC_SECRET'],
        message: `must be set when NODE_ENV is ${JSON.stringify(e.NODE_ENV)}: only ${JSON.stringify(DEVELOPMENT)} (or NODE_ENV unset) may use the public development secret (32+ characters, shared with the edge)`,
      });
      return z.NEVER;
    }
    return {
      /** Only development may fall back to the public secret or the untrained stand-in model. */
      development: e.NODE_ENV === DEVELOPMENT,
      host: e.BSNET_WORKER_HOST,
      port: e.BSNET_WORKER_PORT,
      hmacSecret: e.BSNET_WORKER_HMAC_SECRET ?? DEV_HMAC_SECRET,
      signatureMaxSkewMs: e.BSNET_SIGNATURE_MAX_SKEW_MS,
      manifestPath: e.BSNET_MODEL_MANIFEST ?? (e.BSNET_EXECUTION_PROVIDER === 'cpu' ? DEFAULT_CPU_MANIFEST : DEFAULT_MANIFEST),
      executionProvider: e.BSNET_EXECUTION_PROVIDER,
      sessionThreads: e.BSNET_SESSION_THREADS,
      intraOpThreads: e.BSNET_INTRA_OP_THREADS || Math.max(1, Math.floor(availableParallelism() / e.BSNET_SESSION_THREADS)),
      maxBatch: e.BSNET_MAX_BATCH,
      maxQueueDelayMs: e.BSNET_MAX_QUEUE_DELAY_MS,
      // A queue smaller than one whole request would refuse that request forever.
      queueCapacity: Math.max(e.BSNET_QUEUE_CAPACITY, e.BSNET_MAX_SLICES_PER_REQUEST),
      maxSlicesPerRequest: e.BSNET_MAX_SLICES_PER_REQUEST,
      defaultDeadlineMs: e.BSNET_DEFAULT_DEADLINE_MS,
      shutdownGraceMs: e.BSNET_SHUTDOWN_GRACE_MS,
      logLevel: e.BSNET_LOG,
    };
  });

export type WorkerConfig = z.output<typeof WorkerEnv>;

/**
 * Throws a ConfigError (shared/env-config.ts) naming every bad variable.
 *
 * @example
 * const config = loadConfig(); // process.env
 * const testConfig = loadConfig({ BSNET_WORKER_PORT: '0', BSNET_LOG: 'silent' });
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return parseEnv(WorkerEnv, env, 'worker environment');
}
