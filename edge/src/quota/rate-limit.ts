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
import { logEvent } from '../http/log-event.js';
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
 * Runs `work` with `sliceCount` slices (not requests) counted against the calling upload token's
 * `maxUploads`: all or nothing, before any work is done, so concurrent requests can never
 * overspend it (the Durable Object decides one request at a time). When `work` throws, the
 * slices are given back: only answered slices stay spent (the rate limit still bounds retries).
 * API keys have no upload quota and run `work` as it is. Throws EdgeError 403
 * `upload_limit_reached` (field `maxUploads`) when the slices would not fit.
 *
 * @example
 * const answer = await withUploadQuota(c, slices.length, () => segment(slices));
 */
export async function withUploadQuota<T>(c: Context<EdgeEnv>, sliceCount: number, work: () => Promise<T>): Promise<T> {
  const principal = c.var.principal;
  if (principal.kind !== 'upload_token') return work();
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
  try {
    return await work();
  } catch (err) {
    // A failed refund leaves the slices spent: the safe side of the quota.
    await quotaStub(c.env, principal)
      .refundUploads(sliceCount)
      .catch(() => logEvent('warn', 'upload_refund_failed', { requestId: c.var.requestId, credential: principal.id }));
    throw err;
  }
}
