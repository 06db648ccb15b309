/**
 * Per-credential rate limiting: after `authenticate()`, each request takes one token from its
 * credential's QuotaCounter bucket (API keys and upload tokens have separate per-minute limits
 * from config). Answers carry `RateLimit-Limit` and `RateLimit-Remaining` (IETF httpapi
 * ratelimit-headers draft names); a refusal is 429 `rate_limited` with Retry-After. Also the
 * upload quota of upload tokens, which lives in the same QuotaCounter instance.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { EdgeEnv } from '../http/edge-env.js';
import { EdgeError } from '../http/edge-error.js';
import type { UploadsResult } from './quota-counter.js';
import { quotaStub } from './quota-stub.js';

/**
 * Middleware: counts the request against `c.var.principal`'s limit (`config.rateLimitPerMinute`
 * `.key` or `.token`). Use after `authenticate()`.
 *
 * @example
 * app.use('/v1/*', authenticate(), rateLimit());
 */
export function rateLimit(): MiddlewareHandler<EdgeEnv> {
  return async function rateLimit(c, next) {
    const principal = c.var.principal;
    const perMinute = c.var.config.rateLimitPerMinute[principal.kind === 'api_key' ? 'key' : 'token'];
    const result = await quotaStub(c.env, principal).hit(perMinute, 1);
    const headers = { 'RateLimit-Limit': String(perMinute), 'RateLimit-Remaining': String(result.remaining) };
    if (!result.allowed) {
      const who = principal.kind === 'api_key' ? 'this API key' : 'this upload token';
      throw new EdgeError(429, 'rate_limited', `${who} may make ${perMinute} requests per minute`, {
        retryAfter: result.retryAfterS,
        headers,
      });
    }
    // Set before next(): Hono carries these onto whatever response the handler returns.
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    await next();
  };
}

/**
 * Counts `sliceCount` slices (not requests) against the calling upload token's `maxUploads`,
 * all or nothing, before any work is done. API keys have no upload quota: `undefined` for them.
 * Throws EdgeError 403 `upload_limit_reached` (field `maxUploads`) when the slices would not
 * fit. Slices are spent when accepted, so a request that fails later still counts; otherwise a
 * failing request could be retried for free forever.
 *
 * @example
 * await consumeUploadQuota(c, slices.length);
 */
export async function consumeUploadQuota(c: Context<EdgeEnv>, sliceCount: number): Promise<UploadsResult | undefined> {
  const principal = c.var.principal;
  if (principal.kind !== 'upload_token') return undefined;
  const max = principal.maxUploads;
  if (max === undefined) throw new Error(`upload token ${principal.id} has no maxUploads`);
  const result = await quotaStub(c.env, principal).consumeUploads(sliceCount, max);
  if (!result.allowed) {
    throw new EdgeError(
      403,
      'upload_limit_reached',
      `this upload token may upload ${max} slices: ${result.used} used, ${result.remaining} left, this request has ${sliceCount}`,
      { field: 'maxUploads' },
    );
  }
  return result;
}
