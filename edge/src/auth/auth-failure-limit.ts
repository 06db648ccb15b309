/**
 * Failed authentication is rate-limited per client address, so credentials cannot be guessed at
 * the speed of the network. Each 401 takes a token from the address's QuotaCounter bucket
 * (`authfail:<address>`, AUTH_FAILURES_PER_MINUTE); once it is empty the answer is 429, and this
 * isolate refuses that address before looking at any credential until Retry-After has passed.
 * Successful requests cost nothing here: the Durable Object is only asked after a failure, and
 * other isolates learn of a blocked address at that address's next failure there.
 * The address is Cloudflare's `CF-Connecting-IP` (set by the edge network, not the client).
 */
import type { Context } from 'hono';
import type { EdgeEnv } from '../http/edge-env.js';
import { EdgeError } from '../http/edge-error.js';
import { logEvent } from '../http/log-event.js';

/** address -> unix ms until which this isolate refuses it; bounded so floods cannot grow it. */
const blockedUntil = new Map<string, number>();
const MAX_REMEMBERED = 10_000;

function clientAddress(c: Context<EdgeEnv>): string {
  return c.req.header('CF-Connecting-IP') ?? 'unknown';
}

function tooMany(retryAfterS: number, perMinute: number): EdgeError {
  return new EdgeError(429, 'too_many_auth_failures', `more than ${perMinute} failed authentications per minute from this address; retry later`, {
    retryAfter: retryAfterS,
  });
}

/** Throws 429 when this isolate knows the caller's address is over its failure limit. */
export function refuseBlockedAddress(c: Context<EdgeEnv>, now: number = Date.now()): void {
  const address = clientAddress(c);
  const until = blockedUntil.get(address);
  if (until === undefined) return;
  if (until <= now) {
    blockedUntil.delete(address);
    return;
  }
  throw tooMany((until - now) / 1000, c.var.config.authFailuresPerMinute);
}

/**
 * Counts one failed authentication; throws 429 (instead of the 401) once the address is over its
 * limit. A counter that cannot be reached limits nothing: the caller still gets its 401.
 */
export async function countAuthFailure(c: Context<EdgeEnv>, now: number = Date.now()): Promise<void> {
  const address = clientAddress(c);
  const perMinute = c.var.config.authFailuresPerMinute;
  let result;
  try {
    result = await c.env.QUOTA.get(c.env.QUOTA.idFromName(`authfail:${address}`)).hit(perMinute, 1);
  } catch (err) {
    logEvent('warn', 'auth_failure_count_failed', { requestId: c.var.requestId, error: err instanceof Error ? err.name : 'unknown' });
    return;
  }
  if (result.allowed) return;
  if (blockedUntil.size >= MAX_REMEMBERED) blockedUntil.clear();
  blockedUntil.set(address, now + result.retryAfterS * 1000);
  throw tooMany(result.retryAfterS, perMinute);
}
