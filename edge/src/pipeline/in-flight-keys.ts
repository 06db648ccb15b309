/**
 * Cache keys being inferred right now in this isolate, so concurrent identical uploads (a client
 * retrying, two viewers of the same study) run the model once: the first request claims the
 * key, the others wait for its result to land in the cache. Plain data only: workerd does not let
 * one request wait on a promise another request's I/O settles, so waiters poll the cache. Keys
 * are per tenant (cache-key.ts), so a wait never crosses tenants.
 */

/** key -> when it was claimed (ms). */
const claimed = new Map<string, number>();

/** Claims `key` unless another request holds it; true when this caller now holds it. */
export function claimKey(key: string, now: number = Date.now()): boolean {
  if (claimed.has(key)) return false;
  claimed.set(key, now);
  return true;
}

/** Releases a claim (always, in a `finally`: a failed inference must not leave waiters waiting). */
export function releaseKey(key: string): void {
  claimed.delete(key);
}

/** Whether `key` is still claimed, and claimed no longer ago than `maxAgeMs` (a leaked claim expires). */
export function isClaimed(key: string, maxAgeMs: number, now: number = Date.now()): boolean {
  const at = claimed.get(key);
  return at !== undefined && now - at <= maxAgeMs;
}
