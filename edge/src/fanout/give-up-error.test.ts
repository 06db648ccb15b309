/** giveUpError: which EdgeError a chunk's failed attempts end in, and the Retry-After it carries. */
import { describe, expect, it } from 'vitest';
import { giveUpError } from './give-up-error.js';
import { GpuWorkerCallError, type GpuWorkerFailureKind } from './gpu-worker-call-error.js';

const fail = (kind: GpuWorkerFailureKind, extra: { status?: number; code?: string; retryAfter?: number } = {}) =>
  new GpuWorkerCallError(kind, 'http://10.0.0.7:8081', 'failed', extra);
const none = { outOfTime: false, retryAfterMs: undefined };

describe('giveUpError', () => {
  it('is 502 worker_rejected as soon as any attempt was refused, naming status and code only', () => {
    const err = giveUpError([fail('timeout'), fail('rejected', { status: 401, code: 'signature_mismatch' })], none);
    expect(err).toMatchObject({ status: 502, code: 'worker_rejected' });
    expect(err.message).toContain('(401 signature_mismatch)');
    expect(err.message).not.toContain('10.0.0.7');
    expect((err.cause as AggregateError).errors).toHaveLength(2);
  });

  it('is 504 worker_timeout when every attempt timed out or the deadline left no attempt', () => {
    expect(giveUpError([fail('timeout'), fail('timeout')], none)).toMatchObject({ status: 504, code: 'worker_timeout' });
    expect(giveUpError([], { outOfTime: true, retryAfterMs: undefined })).toMatchObject({ status: 504 });
  });

  it('is 503 workers_unavailable otherwise, with the shortest Retry-After the workers or breakers gave', () => {
    expect(giveUpError([fail('timeout'), fail('network')], none)).toMatchObject({ status: 503, code: 'workers_unavailable', retryAfter: 1 });
    expect(giveUpError([fail('overloaded', { retryAfter: 4 }), fail('overloaded', { retryAfter: 2 })], none)).toMatchObject({ retryAfter: 2 });
    expect(giveUpError([], { outOfTime: false, retryAfterMs: 7_200 })).toMatchObject({ status: 503, retryAfter: 8, message: 'no GPU worker is available; retry later' });
  });
});
