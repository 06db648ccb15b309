/**
 * Regression (hardening probe): a body that never finished was held open with no timeout. The
 * Worker now bounds the whole upload by BODY_TIMEOUT_MS and answers 408 `body_timeout`. Real
 * stack: workerd, and a client on a raw socket that promises 100 kB, sends 1 kB of a real slice
 * and then nothing more.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Problem } from '../../shared/problem.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { sliceJpeg, testSliceNames } from './fixtures.js';

let s: EdgeStack;
beforeAll(async () => {
  s = await startEdgeStack({ vars: { BODY_TIMEOUT_MS: '1000' } });
}, 60_000);
afterAll(() => s?.stop());

/** Sends the head of a request whose body stalls; resolves with what the server answered, and when. */
function stalledUpload(key: string): Promise<{ raw: string; ms: number }> {
  const url = new URL(s.url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let raw = '';
    const done = () => {
      socket.destroy();
      resolve({ raw, ms: performance.now() - started });
    };
    socket.on('error', reject);
    socket.on('data', (d) => {
      raw += d.toString('latin1');
      // The problem body is small: the whole answer is in once its JSON closes.
      if (raw.includes('\r\n\r\n') && raw.trimEnd().endsWith('}')) done();
    });
    socket.on('end', done);
    socket.write(`POST /v1/segment HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${key}\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n`);
    socket.write(sliceJpeg(testSliceNames()[6]!).subarray(0, 1_000));
    setTimeout(done, 10_000);
  });
}

describe('an upload that stops arriving', () => {
  it('is answered 408 body_timeout once BODY_TIMEOUT_MS has passed', async () => {
    const { raw, ms } = await stalledUpload(await s.key('acme'));
    expect(raw.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(Problem.parse(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)))).toMatchObject({ code: 'body_timeout', field: 'body' });
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(5_000);
  }, 30_000);
});
