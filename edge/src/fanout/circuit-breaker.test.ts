/** CircuitBreaker's state machine on an injected clock: no test waits for real time. */
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CallOutcome } from './circuit-breaker.js';

function setup(failureThreshold = 3, openMs = 10_000) {
  let now = 1_000_000;
  const breaker = new CircuitBreaker({ failureThreshold, openMs }, () => now);
  const call = (outcome: CallOutcome) => {
    const permit = breaker.acquire();
    expect(permit).toBeDefined();
    breaker.record(permit!, outcome);
  };
  return { breaker, call, advance: (ms: number) => (now += ms) };
}

describe('CircuitBreaker', () => {
  it('defaults to 3 failures and 10 s', () => {
    const b = new CircuitBreaker();
    expect([b.failureThreshold, b.openMs, b.state]).toEqual([3, 10_000, 'closed']);
  });

  it('opens after N consecutive failures, and a success in between resets the count', () => {
    const { breaker, call } = setup(3);
    call('failure');
    call('failure');
    call('success');
    expect(breaker.consecutiveFailures).toBe(0);
    call('failure');
    call('failure');
    expect(breaker.state).toBe('closed');
    call('failure');
    expect(breaker.state).toBe('open');
    expect(breaker.canPass()).toBe(false);
    expect(breaker.acquire()).toBeUndefined();
  });

  it('ignores neutral outcomes (4xx, back-pressure, aborts)', () => {
    const { breaker, call } = setup(2);
    call('failure');
    call('neutral');
    call('neutral');
    expect([breaker.state, breaker.consecutiveFailures]).toEqual(['closed', 1]);
  });

  it('goes half-open after openMs and lets exactly one probe through', () => {
    const { breaker, call, advance } = setup(1, 5_000);
    call('failure');
    advance(4_999);
    expect([breaker.state, breaker.msUntilProbe()]).toEqual(['open', 1]);
    advance(1);
    expect(breaker.state).toBe('half_open');
    const probe = breaker.acquire();
    expect(probe).toEqual({ probe: true });
    expect(breaker.canPass()).toBe(false);
    expect(breaker.acquire()).toBeUndefined();
    breaker.record(probe!, 'success');
    expect([breaker.state, breaker.consecutiveFailures]).toEqual(['closed', 0]);
    expect(breaker.acquire()).toEqual({ probe: false });
  });

  it('reopens for another openMs when the probe fails', () => {
    const { breaker, call, advance } = setup(1, 5_000);
    call('failure');
    advance(6_000);
    call('failure');
    expect([breaker.state, breaker.msUntilProbe()]).toEqual(['open', 5_000]);
    advance(5_000);
    expect(breaker.state).toBe('half_open');
  });

  it('frees the probe slot when the probe ends neutral', () => {
    const { breaker, call, advance } = setup(1, 5_000);
    call('failure');
    advance(5_000);
    call('neutral');
    expect([breaker.state, breaker.canPass()]).toEqual(['half_open', true]);
  });

  it('does not extend the open time for late failures of calls started while closed', () => {
    const { breaker, advance } = setup(2, 5_000);
    const permits = [breaker.acquire()!, breaker.acquire()!, breaker.acquire()!];
    breaker.record(permits[0]!, 'failure');
    breaker.record(permits[1]!, 'failure');
    advance(3_000);
    breaker.record(permits[2]!, 'failure');
    expect(breaker.msUntilProbe()).toBe(2_000);
    // A non-probe neutral end while half-open must not hand out a second probe.
    advance(2_000);
    const probe = breaker.acquire()!;
    breaker.record({ probe: false }, 'neutral');
    expect(breaker.canPass()).toBe(false);
    breaker.record(probe, 'success');
    expect(breaker.state).toBe('closed');
  });

  it('names the bad option', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(/failureThreshold/);
    expect(() => new CircuitBreaker({ openMs: -1 })).toThrow(/openMs/);
  });
});
