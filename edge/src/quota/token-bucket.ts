/**
 * Token bucket rate limiting, pure: the QuotaCounter Durable Object keeps the state, this module
 * does the arithmetic, and tests drive it with an injected clock. The bucket holds `perMinute`
 * tokens and refills continuously at `perMinute / 60000` per ms, so bursts up to a minute's
 * allowance pass and a steady client is held to the rate.
 */

/** A bucket: tokens left (fractional while refilling) as of `updatedAt` (unix ms). */
export interface BucketState {
  tokens: number;
  updatedAt: number;
}

export interface TakeResult {
  /** The bucket after this request (unchanged apart from refill when refused). */
  state: BucketState;
  allowed: boolean;
  /** When refused: ms until `cost` tokens will be there; 0 when allowed. */
  retryAfterMs: number;
  /** Whole tokens left after this request. */
  remaining: number;
}

const MS_PER_MINUTE = 60_000;

/**
 * Takes `cost` tokens if the bucket has them. A missing state is a full bucket. A clock that
 * steps back refills nothing rather than draining the bucket. Throws RangeError naming the
 * argument for a non-positive `perMinute`, or a `cost` no bucket of that size can ever pay.
 *
 * @example
 * const { state, allowed, retryAfterMs } = take(stored, Date.now(), 60);
 */
export function take(state: BucketState | undefined, now: number, perMinute: number, cost = 1): TakeResult {
  if (!Number.isFinite(perMinute) || perMinute <= 0) throw new RangeError(`perMinute must be positive, got ${perMinute}`);
  if (!Number.isFinite(cost) || cost < 0 || cost > perMinute) {
    throw new RangeError(`cost must be between 0 and perMinute (${perMinute}), got ${cost}`);
  }
  // Counted in 1/60000ths of a token: refill is then `perMinute` units per ms, and with integer
  // limits and clocks every step is exact (0.999 tokens + 0.001 is 1 token, not 0.99999…).
  const cap = perMinute * MS_PER_MINUTE;
  const price = cost * MS_PER_MINUTE;
  const elapsed = state ? Math.max(0, now - state.updatedAt) : 0;
  // A lowered limit caps what was saved up under the old one.
  const credit = state ? Math.min(cap, Math.round(state.tokens * MS_PER_MINUTE) + elapsed * perMinute) : cap;
  const updatedAt = state ? Math.max(now, state.updatedAt) : now;
  const allowed = credit >= price;
  const left = allowed ? credit - price : credit;
  return {
    state: { tokens: left / MS_PER_MINUTE, updatedAt },
    allowed,
    retryAfterMs: allowed ? 0 : Math.ceil((price - credit) / perMinute),
    remaining: Math.floor(left / MS_PER_MINUTE),
  };
}
