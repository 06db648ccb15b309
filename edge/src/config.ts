/**
 * The edge's whole configuration, parsed once per isolate from its `Env` (wrangler vars, secrets,
 * bindings) with zod. Vars arrive as strings, so numbers are coerced and bounded here; nothing
 * else in the edge reads `env.*` strings directly.
 */
import { z } from 'zod';
import { DEV_HMAC_SECRET, DEV_TOKEN_SIGNING_SECRET } from '../../shared/dev-secrets.js';

/** Secrets are not in wrangler.jsonc (so not in the generated Env): `wrangler secret put`. */
export interface EdgeSecrets {
  WORKER_HMAC_SECRET?: string;
  TOKEN_SIGNING_SECRET?: string;
}
export type EdgeBindings = Env & EdgeSecrets;

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const origin = z
  .string()
  .trim()
  .url()
  .transform((u) => new URL(u).origin);

const VarsSchema = z.object({
  ENVIRONMENT: z.string().default('development'),
  WORKER_ORIGINS: z
    .string()
    .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(origin).min(1, 'WORKER_ORIGINS needs at least one origin')),
  MODEL_NAME: z.string().min(1),
  MODEL_VERSION: z.string().min(1),
  MODEL_INPUT_SIZE: int(32, 2048).default(352),
  MAX_SLICES_PER_REQUEST: int(1, 256).default(64),
  MAX_BODY_BYTES: int(1024, 100 * 1024 * 1024).default(40 * 1024 * 1024),
  RATE_LIMIT_KEY_PER_MINUTE: int(1, 1_000_000).default(600),
  RATE_LIMIT_TOKEN_PER_MINUTE: int(1, 1_000_000).default(60),
  CACHE_TTL_HOURS: int(1, 24 * 365).default(24),
  WORKER_TIMEOUT_MS: int(100, 600_000).default(60_000),
  WORKER_HMAC_SECRET: z.string().min(16).optional(),
  TOKEN_SIGNING_SECRET: z.string().min(16).optional(),
});

export interface EdgeConfig {
  production: boolean;
  workerOrigins: string[];
  model: { name: string; version: string; inputSize: number };
  maxSlicesPerRequest: number;
  maxBodyBytes: number;
  rateLimitPerMinute: { key: number; token: number };
  cacheTtlMs: number;
  workerTimeoutMs: number;
  workerHmacSecret: string;
  tokenSigningSecret: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const cache = new WeakMap<object, EdgeConfig>();

/**
 * Parses the Worker's env into an {@link EdgeConfig}; memoised per env object (one per isolate).
 * Throws {@link ConfigError} naming the bad variable; in production a missing secret is an error
 * rather than a silent fall back to the development one.
 *
 * @example
 * const config = loadConfig(c.env);
 */
export function loadConfig(env: EdgeBindings): EdgeConfig {
  const hit = cache.get(env);
  if (hit) return hit;
  const parsed = VarsSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${issue.path.join('.') || 'env'}: ${issue.message}`);
  }
  const v = parsed.data;
  const production = v.ENVIRONMENT === 'production';
  for (const name of ['WORKER_HMAC_SECRET', 'TOKEN_SIGNING_SECRET'] as const) {
    if (production && !v[name]) throw new ConfigError(`${name} must be set in production (wrangler secret put ${name})`);
  }
  const config: EdgeConfig = {
    production,
    workerOrigins: v.WORKER_ORIGINS,
    model: { name: v.MODEL_NAME, version: v.MODEL_VERSION, inputSize: v.MODEL_INPUT_SIZE },
    maxSlicesPerRequest: v.MAX_SLICES_PER_REQUEST,
    maxBodyBytes: v.MAX_BODY_BYTES,
    rateLimitPerMinute: { key: v.RATE_LIMIT_KEY_PER_MINUTE, token: v.RATE_LIMIT_TOKEN_PER_MINUTE },
    cacheTtlMs: v.CACHE_TTL_HOURS * 3_600_000,
    workerTimeoutMs: v.WORKER_TIMEOUT_MS,
    workerHmacSecret: v.WORKER_HMAC_SECRET ?? DEV_HMAC_SECRET,
    tokenSigningSecret: v.TOKEN_SIGNING_SECRET ?? DEV_TOKEN_SIGNING_SECRET,
  };
  cache.set(env, config);
  return config;
}
