/** Test support for the decoders: asserts that a call fails with exactly this DecodeError status and code. */
import { expect } from 'vitest';
import { DecodeError } from './decoded-image.js';

export function expectDecodeError(fn: () => unknown, status: number, code: string): DecodeError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a DecodeError').toBeInstanceOf(DecodeError);
  const e = caught as DecodeError;
  expect({ status: e.status, code: e.code }, e.message).toEqual({ status, code });
  return e;
}
