import { describe, expect, it } from 'vitest';
import { FrameError } from './frame-codec.js';
import { PROBLEM_CONTENT_TYPE, Problem } from './problem.js';
import { ProblemError } from './problem-error.js';

describe('ProblemError', () => {
  it('answers RFC 9457 problem+json with the field, Retry-After (rounded up) and extra headers', async () => {
    const err = new ProblemError(503, 'queue_full', 'the inference queue is full', { field: 'slices', retryAfter: 2.2, headers: { connection: 'close' } });
    const res = err.toResponse();
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(res.headers.get('connection')).toBe('close');
    expect(Problem.parse(await res.json())).toEqual({
      type: 'https://bsnet.dev/problems/queue_full',
      title: 'Service Unavailable',
      status: 503,
      detail: 'the inference queue is full',
      code: 'queue_full',
      field: 'slices',
      retryAfter: 3,
    });
  });
  it('is the base of the shared FrameError, which is a 400 with its own code', () => {
    const err = new FrameError('frame_bad_magic', 'body does not start with the frame magic');
    expect(err).toBeInstanceOf(ProblemError);
    expect(err.toProblem().body).toMatchObject({ status: 400, code: 'frame_bad_magic', title: 'Bad Request' });
  });
});
