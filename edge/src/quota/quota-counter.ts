/**
 * QuotaCounter, the Durable Object behind rate limits and upload quotas: one instance per
 * credential (`key:<id>`, `token:<id>`). A Durable Object runs one request at a time and its
 * storage calls here are synchronous, so each read-decide-write is atomic and counts are exact
 * across every isolate and colo. The arithmetic lives in token-bucket.ts and
 * upload-allowance.ts; this class only stores state.
 */
import { DurableObject } from 'cloudflare:workers';
import { MAX_TOKEN_MINUTES } from '../auth/upload-token-schemas.js';
import { take, type BucketState } from './token-bucket.js';
import { consume, refund } from './upload-allowance.js';

/**
 * Idle time after which an instance forgets everything. Longer than any upload token lives, so
 * a token's slice count can never reset while it is still valid; a key's bucket would have
 * refilled long before.
 */
const FORGET_AFTER_IDLE_MS = (MAX_TOKEN_MINUTES + 60) * 60_000;

/** Answer of `hit`: `retryAfterS` is 0 when allowed. */
export interface HitResult {
  allowed: boolean;
  retryAfterS: number;
  remaining: number;
}

/** Answer of `consumeUploads`: slices counted so far and still allowed. */
export interface UploadsResult {
  allowed: boolean;
  used: number;
  remaining: number;
}

export class QuotaCounter extends DurableObject<Env> {
  /**
   * Rate limit: takes `cost` from this credential's token bucket of `perMinute` per minute.
   * The limit is passed in (not stored) so a config change applies on the next request.
   */
  async hit(perMinute: number, cost: number): Promise<HitResult> {
    const kv = this.ctx.storage.kv;
    const result = take(kv.get<BucketState>('bucket'), Date.now(), perMinute, cost);
    kv.put('bucket', result.state);
    await this.forgetWhenIdle();
    return {
      allowed: result.allowed,
      retryAfterS: Math.ceil(result.retryAfterMs / 1000),
      remaining: result.remaining,
    };
  }

  /** Upload quota: counts `count` slices against `max`, all or nothing. */
  async consumeUploads(count: number, max: number): Promise<UploadsResult> {
    const kv = this.ctx.storage.kv;
    const result = consume(kv.get<number>('uploads') ?? 0, count, max);
    if (result.allowed) kv.put('uploads', result.used);
    await this.forgetWhenIdle();
    return result;
  }

  /** Upload quota: gives back the `count` slices of a counted request that failed. */
  async refundUploads(count: number): Promise<number> {
    const kv = this.ctx.storage.kv;
    const used = refund(kv.get<number>('uploads') ?? 0, count);
    kv.put('uploads', used);
    await this.forgetWhenIdle();
    return used;
  }

  /** Idle instances delete their state so storage does not grow with every token ever minted. */
  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  private async forgetWhenIdle(): Promise<void> {
    await this.ctx.storage.setAlarm(Date.now() + FORGET_AFTER_IDLE_MS);
  }
}
