/**
 * The edge's whole configuration, parsed once per isolate from its `Env` (wrangler vars, secrets,
 * bindings) with zod. Vars arrive as strings, so numbers are coerced and bounded here; nothing
 * else in the edge reads `env.*` strings directly. The config's type is the schema's output.
 */
import { z } from 'zod';
import { base64ToBytes } from './imaging/base64.js';
import { DEV_DESTINATION_ENCRYPTION_KEY, DEV_HMAC_SECRET, DEV_TOKEN_SIGNING_SECRET, DEVELOPMENT } from '../../shared/dev-secrets.js';
import { ConfigError, envInt, parseEnv } from '../../shared/env-config.js';

export { ConfigError };

/** Secrets are not in wrangler.toml (so not in the generated Env): `wrangler secret put`. */
export interface EdgeSecrets {
  WORKER_HMAC_SECRET?: string;
  TOKEN_SIGNING_SECRET?: string;
  /** AES-256-GCM key for tenants' DICOMweb destination credentials: 32 bytes as base64. */
  DESTINATION_ENCRYPTION_KEY?: string;
}
export type EdgeBindings = Env & EdgeSecrets;

const origin = z
  .string()
  .trim()
  .url()
  .transform((u) => new URL(u).origin);

/** Standard base64 of exactly 32 bytes, or undefined. */
function decodeAes256Key(text: string): Uint8Array | undefined {
  const bytes = base64ToBytes(text);
  return bytes?.length === 32 ? bytes : undefined;
}

/** A 256-bit key; a wrong length would only fail at the first encryption, far from its cause. */
const aes256Key = z
  .string()
  .trim()
  .transform((text, ctx) => {
    const key = decodeAes256Key(text);
    if (!key) ctx.addIssue({ code: 'custom', message: 'must be 32 bytes as base64 (openssl rand -base64 32)' });
    return key ?? new Uint8Array(0);
  });

const EdgeConfigSchema = z
  .object({
    // Required, no default: wrangler does not inherit [vars] into [env.*], so a forgotten var
    // must fail the config rather than quietly mean development (and its public secrets).
    ENVIRONMENT: z.string(),
    WORKER_ORIGINS: z
      .string()
      .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
      .pipe(z.array(origin).min(1, 'WORKER_ORIGINS needs at least one origin')),
    MODEL_NAME: z.string().min(1),
    MODEL_VERSION: z.string().min(1),
    MODEL_INPUT_SIZE: envInt(32, 2048).default(352),
    MAX_SLICES_PER_REQUEST: envInt(1, 256).default(64),
    MAX_BODY_BYTES: envInt(1024, 100 * 1024 * 1024).default(40 * 1024 * 1024),
    RATE_LIMIT_KEY_PER_MINUTE: envInt(1, 1_000_000).default(600),
    RATE_LIMIT_TOKEN_PER_MINUTE: envInt(1, 1_000_000).default(60),
    AUTH_FAILURES_PER_MINUTE: envInt(1, 10_000).default(20),
    BODY_TIMEOUT_MS: envInt(1_000, 600_000).default(60_000),
    CACHE_TTL_HOURS: envInt(1, 24 * 365).default(24),
    STUDY_RECEIVING_TTL_SECONDS: envInt(1, 7 * 86_400).default(86_400),
    STUDY_RESULTS_TTL_HOURS: envInt(1, 24 * 90).default(168),
    WEBHOOK_RETRY_BASE_SECONDS: envInt(1, 3600).default(30),
    WEBHOOK_MAX_ATTEMPTS: envInt(1, 20).default(8),
    DICOMWEB_RETRY_BASE_SECONDS: envInt(1, 3600).default(30),
    DICOMWEB_MAX_ATTEMPTS: envInt(1, 20).default(8),
    DICOMWEB_TIMEOUT_SECONDS: envInt(1, 600).default(60),
    WORKER_TIMEOUT_MS: envInt(100, 600_000).default(60_000),
    WORKER_HMAC_SECRET: z.string().min(16).optional(),
    TOKEN_SIGNING_SECRET: z.string().min(16).optional(),
    DESTINATION_ENCRYPTION_KEY: aes256Key.optional(),
  })
  .transform((v, ctx) => {
    // Allow-list, not deny-list: staging, preview or a typo must not fall back to secrets anyone
    // can read in this repository. Only exactly `development` (wrangler.toml's value) may.
    const development = v.ENVIRONMENT === DEVELOPMENT;
    for (const name of ['WORKER_HMAC_SECRET', 'TOKEN_SIGNING_SECRET', 'DESTINATION_ENCRYPTION_KEY'] as const) {
      if (!development && !v[name]) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `must be set when ENVIRONMENT is ${JSON.stringify(v.ENVIRONMENT)}: only ${JSON.stringify(DEVELOPMENT)} may use the public development secret (wrangler secret put ${name})`,
        });
      }
    }
    return {
      production: v.ENVIRONMENT === 'production',
      /** Exactly "development": dev secrets, and http callback URLs to 127.0.0.1 / localhost. */
      development: v.ENVIRONMENT === DEVELOPMENT,
      workerOrigins: v.WORKER_ORIGINS,
      model: { name: v.MODEL_NAME, version: v.MODEL_VERSION, inputSize: v.MODEL_INPUT_SIZE },
      maxSlicesPerRequest: v.MAX_SLICES_PER_REQUEST,
      maxBodyBytes: v.MAX_BODY_BYTES,
      rateLimitPerMinute: { key: v.RATE_LIMIT_KEY_PER_MINUTE, token: v.RATE_LIMIT_TOKEN_PER_MINUTE },
      authFailuresPerMinute: v.AUTH_FAILURES_PER_MINUTE,
      bodyTimeoutMs: v.BODY_TIMEOUT_MS,
      cacheTtlMs: v.CACHE_TTL_HOURS * 3_600_000,
      /** A study never committed is purged this long after it was created. */
      studyReceivingTtlMs: v.STUDY_RECEIVING_TTL_SECONDS * 1000,
      /** A finished study (results, masks) is purged this long after it finished. */
      studyResultsTtlMs: v.STUDY_RESULTS_TTL_HOURS * 3_600_000,
      workerTimeoutMs: v.WORKER_TIMEOUT_MS,
      /** Study webhooks: attempt n (from 1) waits base x 4^(n-2) after the one before; at most this many. */
      webhookRetryBaseMs: v.WEBHOOK_RETRY_BASE_SECONDS * 1000,
      webhookMaxAttempts: v.WEBHOOK_MAX_ATTEMPTS,
      /** DICOMweb export of completed studies: attempt n (from 1) waits base x 4^(n-2) after the one before; at most this many, each within the timeout. */
      dicomwebRetryBaseMs: v.DICOMWEB_RETRY_BASE_SECONDS * 1000,
      dicomwebMaxAttempts: v.DICOMWEB_MAX_ATTEMPTS,
      dicomwebTimeoutMs: v.DICOMWEB_TIMEOUT_SECONDS * 1000,
      workerHmacSecret: v.WORKER_HMAC_SECRET ?? DEV_HMAC_SECRET,
      tokenSigningSecret: v.TOKEN_SIGNING_SECRET ?? DEV_TOKEN_SIGNING_SECRET,
      /** The 32 raw bytes of the AES-256-GCM key that seals destination credentials in D1. */
      destinationEncryptionKey: v.DESTINATION_ENCRYPTION_KEY ?? decodeAes256Key(DEV_DESTINATION_ENCRYPTION_KEY)!,
    };
  });

export type EdgeConfig = z.output<typeof EdgeConfigSchema>;

const cache = new WeakMap<object, EdgeConfig>();

/**
 * Parses the Worker's env into an {@link EdgeConfig}; memoised per env object (one per isolate).
 * Throws {@link ConfigError} naming every bad variable.
 *
 * @example
 * const config = loadConfig(c.env);
 */
export function loadConfig(env: EdgeBindings): EdgeConfig {
  const hit = cache.get(env);
  if (hit) return hit;
  const config = parseEnv(EdgeConfigSchema, env, 'edge configuration');
  cache.set(env, config);
  return config;
}
