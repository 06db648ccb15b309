/**
 * Counting an upload token's slices against its `maxUploads`, pure: the QuotaCounter Durable
 * Object stores `used`, this decides. All or nothing, so a request of n slices either fits
 * whole or consumes none (a partial upload would leave the client unsure what was counted), and
 * a request that then fails gives its slices back.
 */

export interface AllowanceResult {
  allowed: boolean;
  /** Slices counted so far, this request included when allowed. */
  used: number;
  /** Slices still allowed after this request. */
  remaining: number;
}

/**
 * Consumes `count` slices from an allowance of `max` of which `used` are spent. Throws
 * RangeError naming the argument for a count or max that is not a positive integer.
 *
 * @example
 * consume(8, 3, 10) // { allowed: false, used: 8, remaining: 2 }
 */
export function consume(used: number, count: number, max: number): AllowanceResult {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
  const spent = Math.max(0, used);
  if (spent + count > max) return { allowed: false, used: spent, remaining: Math.max(0, max - spent) };
  return { allowed: true, used: spent + count, remaining: max - spent - count };
}

/**
 * Gives back `count` slices of a request that was counted and then failed (never below 0), so
 * only slices that were answered stay spent. Throws RangeError naming a bad count.
 *
 * @example
 * refund(3, 2) // 1
 */
export function refund(used: number, count: number): number {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  return Math.max(0, used - count);
}
