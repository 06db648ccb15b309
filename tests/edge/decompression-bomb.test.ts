/**
 * Regression test for the decompression bombs of the security review, through the real edge
 * (workerd). A ~1 MB PNG whose IDAT inflates to 1 GiB (its IHDR declares 512x512 8-bit gray,
 * 262,656 inflated bytes) was answered 200 after 4-7.5 s, with workerd's peak resident set going
 * from ~160 MiB to ~2.2 GiB; a ~1 MB deflated DICOM inflating to 1 GiB was refused (413) but only
 * after workerd's DecompressionStream had grown it by ~1 GiB. In a 128 MB isolate either kills
 * every request sharing it. Both must now be refused at once, workerd's peak barely moving, and
 * the isolate must go on answering ordinary slices. Peaks are read from /proc (workerd-memory).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Problem } from '../../shared/problem.js';
import { MiB, pngBomb } from '../../edge/src/decode/deflate-bomb.test-support.js';
import { deflatedDicomBomb } from '../../edge/src/decode/dicom/deflated-bomb.test-support.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { jpegGray, pngOf, sliceJpeg, testSliceNames } from './fixtures.js';
import { workerdMemory } from './workerd-memory.js';

const SIDE = 512;
/** What the IHDR allows: one filter byte plus 512 samples per row. */
const DECLARED = SIDE * (SIDE + 1);
const BOMB = pngBomb(SIDE, SIDE, 1024 * MiB);
/** Refusing after the declared bytes takes milliseconds (measured: ~30 ms PNG, ~300 ms DICOM). */
const ANSWER_WITHIN_MS = 3000;
/**
 * workerd's own peak may grow a little with ordinary work (the bounded decode grows it by ~4 MiB);
 * before the fix the PNG bomb grew it by ~2 GiB and the deflated DICOM by ~1 GiB.
 */
const MAX_PEAK_GROWTH = 64 * MiB;

let stack: EdgeStack;
let key: string;
const slice = pngOf(jpegGray(sliceJpeg(testSliceNames()[0]!)), 'gray8');

beforeAll(async () => {
  stack = await startEdgeStack();
  key = await stack.key('acme');
});
afterAll(() => stack?.stop());

const post = (body: Uint8Array, type = 'image/png'): Promise<Response> =>
  stack.fetch('/v1/segment', { method: 'POST', body: body as Uint8Array<ArrayBuffer>, headers: { authorization: `Bearer ${key}`, 'content-type': type } });

const peak = (): number => Math.max(...workerdMemory().map((p) => p.hwm));

describe('decompression bombs through the real edge', () => {
  it('a PNG whose IDAT inflates to 1 GiB: 422 naming the declared 262656 bytes within 3 s, workerd stays small', async () => {
    expect(BOMB.length).toBeGreaterThan(1_000_000); // ~1 MB upload, 1 GiB inflated
    expect(workerdMemory().length, 'no workerd process found below this test process').toBeGreaterThan(0);
    // One ordinary request first, so the baseline peak includes a normal decode and inference.
    expect((await post(slice)).status).toBe(200);
    const before = peak();

    const t0 = performance.now();
    const res = await post(BOMB);
    const ms = performance.now() - t0;
    const text = await res.text();
    const after = peak();
    console.info(`bomb: ${BOMB.length} bytes -> status ${res.status} in ${ms.toFixed(0)} ms; workerd VmHWM ${(before / MiB).toFixed(0)} -> ${(after / MiB).toFixed(0)} MiB`);

    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = Problem.parse(JSON.parse(text));
    expect(problem.code).toBe('image_inflates_too_large');
    expect(problem.detail).toContain(`inflates past ${DECLARED} bytes`);
    expect(ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect(after - before).toBeLessThan(MAX_PEAK_GROWTH);
  });

  it('a deflated DICOM whose dataset inflates to 1 GiB: 413 naming the 64 MiB limit within 3 s, workerd stays small', async () => {
    const bomb = deflatedDicomBomb(1024 * MiB);
    expect(bomb.length).toBeLessThan(2 * MiB);
    const before = peak();
    const t0 = performance.now();
    const res = await post(bomb, 'application/dicom');
    const ms = performance.now() - t0;
    const text = await res.text();
    const after = peak();
    console.info(`dicom bomb: ${bomb.length} bytes -> status ${res.status} in ${ms.toFixed(0)} ms; workerd VmHWM ${(before / MiB).toFixed(0)} -> ${(after / MiB).toFixed(0)} MiB; ${text}`);

    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(Problem.parse(JSON.parse(text)).code).toBe('image_inflates_too_large');
    // DICOM_MAX_PIXELS (16 M) x 6 bytes + 1 MiB is over the 64 MiB ceiling, so the ceiling is the limit.
    expect(Problem.parse(JSON.parse(text)).detail).toContain(`inflates past ${64 * MiB} bytes`);
    expect(ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect(after - before).toBeLessThan(MAX_PEAK_GROWTH);
  });

  it('leaves the isolate serving: an ordinary slice still answers 200', async () => {
    const res = await post(slice);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });
});
