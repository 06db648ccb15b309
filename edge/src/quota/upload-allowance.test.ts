/** Upload quotas count slices all or nothing. */
import { describe, expect, it } from 'vitest';
import { consume, refund } from './upload-allowance.js';

describe('upload allowance', () => {
  it('counts slices until the max, exactly', () => {
    expect(consume(0, 4, 10)).toEqual({ allowed: true, used: 4, remaining: 6 });
    expect(consume(4, 6, 10)).toEqual({ allowed: true, used: 10, remaining: 0 });
    expect(consume(10, 1, 10)).toEqual({ allowed: false, used: 10, remaining: 0 });
  });

  it('refuses a request that does not fit whole, consuming nothing', () => {
    expect(consume(8, 3, 10)).toEqual({ allowed: false, used: 8, remaining: 2 });
    expect(consume(8, 2, 10)).toEqual({ allowed: true, used: 10, remaining: 0 });
  });

  it('refuses non-positive or fractional counts and maxes, naming them', () => {
    expect(() => consume(0, 0, 10)).toThrow(/count/);
    expect(() => consume(0, 1.5, 10)).toThrow(/count/);
    expect(() => consume(0, 1, 0)).toThrow(/max/);
  });
});

describe('refund', () => {
  it('gives back a failed request\'s slices, never below 0, and names a bad count', () => {
    expect(refund(3, 2)).toBe(1);
    expect(refund(1, 3)).toBe(0);
    expect(() => refund(3, 0)).toThrow(/count/);
  });
});
