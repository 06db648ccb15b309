/**
 * What both services' config modules share: the error a bad configuration throws, bounded
 * integers from string variables, and one parse that names every bad variable at once.
 * Each service still reads its own environment in exactly one place (its `config.ts`).
 */
import { z } from 'zod';
import { describeIssues } from './zod-issue.js';

/** A configuration the service must not start (or answer) with; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** An integer variable in `[min, max]`; vars and env values arrive as strings. */
export function envInt(min: number, max: number) {
  return z.coerce.number().int().min(min).max(max);
}

/**
 * Parses `env` with `schema` or throws {@link ConfigError} listing every broken variable.
 *
 * @example
 * const vars = parseEnv(EnvSchema, process.env, 'worker environment');
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`invalid ${what}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
