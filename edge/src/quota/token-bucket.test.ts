/** The token bucket driven by an injected clock: bursts, steady refill, caps and odd clocks. */
import { describe, expect, it } from 'vitest';
import { take, type BucketState } from './token-bucket.js';

/** A client making requests against one bucket on a clock the test moves. */
function client(perMinute: number, start = 1_000_000) {
  let state: BucketState | undefined;
  let now = start;
  return {
    advance: (ms: number) => (now += ms),
    hit(cost = 1) {
      const result = take(state, now, perMinute, cost);
      state = result.state;
      return result;
    },
  };
}

describe('token bucket', () => {
  it('starts full: a minute of requests pass at once, the next waits one refill', () => {
    const c = client(60);
    for (let i = 0; i < 60; i++) expect(c.hit()).toMatchObject({ allowed: true, remaining: 59 - i, retryAfterMs: 0 });
    expect(c.hit()).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 1000 });
    c.advance(999);
    expect(c.hit()).toMatchObject({ allowed: false, retryAfterMs: 1 });
    c.advance(1);
    expect(c.hit()).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('holds a steady client to the rate', () => {
    const c = client(6); // one per 10 s
    for (let i = 0; i < 6; i++) c.hit();
    let allowed = 0;
    for (let t = 0; t < 60_000; t += 1000) {
      c.advance(1000);
      if (c.hit().allowed) allowed++;
    }
    expect(allowed).toBe(6);
  });

  it('never refills past capacity, however long the idle', () => {
    const c = client(10);
    c.hit();
    c.advance(24 * 3_600_000);
    expect(c.hit()).toMatchObject({ allowed: true, remaining: 9 });
  });

  it('refused requests cost nothing', () => {
    const c = client(2);
    c.hit(2);
    for (let i = 0; i < 5; i++) expect(c.hit().allowed).toBe(false);
    c.advance(30_000);
    expect(c.hit()).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('charges a cost, refusing when the bucket holds less', () => {
    const c = client(10);
    expect(c.hit(7)).toMatchObject({ allowed: true, remaining: 3 });
    expect(c.hit(4)).toMatchObject({ allowed: false, remaining: 3, retryAfterMs: 6000 });
  });

  it('a clock stepping back neither refills nor drains', () => {
    const c = client(60);
    for (let i = 0; i < 60; i++) c.hit();
    c.advance(-30_000);
    expect(c.hit()).toMatchObject({ allowed: false, retryAfterMs: 1000 });
    c.advance(30_000 + 1000); // back to the old time + 1 s: exactly one token
    expect(c.hit()).toMatchObject({ allowed: true });
  });

  it('a lowered limit caps what was saved under the old one', () => {
    const full = take(undefined, 0, 600);
    expect(take(full.state, 0, 5)).toMatchObject({ allowed: true, remaining: 4 });
  });

  it('refuses arguments no bucket can honour, naming them', () => {
    expect(() => take(undefined, 0, 0)).toThrow(/perMinute/);
    expect(() => take(undefined, 0, Number.NaN)).toThrow(/perMinute/);
    expect(() => take(undefined, 0, 5, 6)).toThrow(/cost/);
    expect(() => take(undefined, 0, 5, -1)).toThrow(/cost/);
  });
});
