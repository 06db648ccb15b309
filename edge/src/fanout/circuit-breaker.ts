/**
 * A per-worker circuit breaker, so a dead or hung GPU worker costs a few requests one failed
 * attempt each, not every request a timeout. Closed: calls pass and consecutive failures are
 * counted. Open (after `failureThreshold` in a row): no calls for `openMs`. Half-open (after
 * that): exactly one probe call passes; its success closes the breaker, its failure opens it
 * again for another `openMs`. The clock is injectable so tests need not wait.
 */

/** Milliseconds since some fixed origin; `Date.now` in production. */
export type Clock = () => number;

export type BreakerState = 'closed' | 'open' | 'half_open';

/**
 * What a finished call says about the GPU worker's health. `neutral` says nothing: the caller
 * aborted, the GPU worker refused our request (4xx) or pushed back because it is busy.
 */
export type CallOutcome = 'success' | 'failure' | 'neutral';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker (default 3). */
  failureThreshold?: number;
  /** How long it stays open before letting one probe through (default 10 s). */
  openMs?: number;
}

/** Permission for one call, handed back to {@link CircuitBreaker.record} when it ends. */
export interface BreakerPermit {
  /** True for the single call allowed through while half-open. */
  readonly probe: boolean;
}

/**
 * @example
 * const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 10_000 });
 * const permit = breaker.acquire();
 * if (permit) breaker.record(permit, (await tryCall()) ? 'success' : 'failure');
 */
export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly openMs: number;
  private failures = 0;
  /** When the breaker last opened; undefined while closed. */
  private openedAt: number | undefined;
  private probeInFlight = false;

  constructor(
    options: CircuitBreakerOptions = {},
    private readonly clock: Clock = Date.now,
  ) {
    this.failureThreshold = options.failureThreshold ?? 3;
    this.openMs = options.openMs ?? 10_000;
    if (!Number.isInteger(this.failureThreshold) || this.failureThreshold < 1) {
      throw new RangeError(`failureThreshold: must be a positive integer, got ${this.failureThreshold}`);
    }
    if (!(this.openMs >= 0)) throw new RangeError(`openMs: must be >= 0, got ${this.openMs}`);
  }

  /** Half-open is not stored: it is an open breaker whose `openMs` has run out. */
  get state(): BreakerState {
    if (this.openedAt === undefined) return 'closed';
    return this.clock() - this.openedAt >= this.openMs ? 'half_open' : 'open';
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Whether {@link acquire} would succeed now; takes nothing. */
  canPass(): boolean {
    const state = this.state;
    return state === 'closed' || (state === 'half_open' && !this.probeInFlight);
  }

  /** Takes permission for one call, or undefined when the breaker refuses it. */
  acquire(): BreakerPermit | undefined {
    const state = this.state;
    if (state === 'closed') return { probe: false };
    if (state === 'open' || this.probeInFlight) return undefined;
    this.probeInFlight = true;
    return { probe: true };
  }

  /** Reports how a call that got `permit` ended. */
  record(permit: BreakerPermit, outcome: CallOutcome): void {
    if (permit.probe) this.probeInFlight = false;
    if (outcome === 'success') {
      // Any answer proves the GPU worker works now, even one from a call started before it opened.
      this.failures = 0;
      this.openedAt = undefined;
    } else if (outcome === 'failure') {
      this.failures++;
      // A late failure of a call started before the breaker opened must not extend the open time.
      if (permit.probe || (this.openedAt === undefined && this.failures >= this.failureThreshold)) this.openedAt = this.clock();
    }
  }

  /** Milliseconds until an open breaker lets a probe through; 0 when it would pass one now. */
  msUntilProbe(): number {
    if (this.openedAt === undefined) return 0;
    return Math.max(0, this.openedAt + this.openMs - this.clock());
  }
}
