/**
 * The shipped model served the way production serves it: a GPU worker started on
 * models/bsnet.manifest.json (sha256 checked, the worker's session options, a real session
 * thread), real slices sent through signed POST /v1/infer over HTTP on 127.0.0.1, and the 8-bit
 * maps it answers compared with PyTorch's probabilities for the same slices (the parity vectors).
 * The file is 44 MB and runs about one slice a second on a laptop CPU, so two slices only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadyzBody } from '../../shared/worker-readiness.js';
import { parityInputs, PARITY_SIZE } from '../../models/parity/parity-inputs.js';
import { loadParityVectors, maxAbsDiff, PARITY_MANIFEST, type ParityVectors } from '../../models/parity/parity-vectors.js';
import { infer, startHarness, type Harness } from './worker-harness.js';

/** One step of the 8-bit answer (p * 255, rounded, so up to half a step) plus the ONNX-vs-PyTorch tolerance. */
const TOLERANCE = 1.5 / 255 + 1e-3;
const SLICES = 2;
const PIXELS = PARITY_SIZE * PARITY_SIZE;

let h: Harness;
let vectors: ParityVectors;
beforeAll(async () => {
  vectors = await loadParityVectors();
  // Batch 1 keeps the warm-up to two single-slice runs.
  h = await startHarness({ BSNET_MODEL_MANIFEST: PARITY_MANIFEST, BSNET_MAX_BATCH: '1', BSNET_INTRA_OP_THREADS: '2' });
}, 120_000);
afterAll(() => h?.stop());

describe('the shipped model through the GPU worker', () => {
  it('reports bsnet 1.2.0 ready, on the CPU, with its session thread', async () => {
    const res = await fetch(h.worker.url + '/readyz');
    expect(res.status).toBe(200);
    const body = ReadyzBody.parse(await res.json());
    expect(body.model).toMatchObject({ name: 'bsnet', version: '1.2.0', sha256: vectors.onnxSha256, inputSize: PARITY_SIZE });
    expect(body.executionProvider).toBe('cpu');
    expect(body.sessionThreads).toEqual({ ready: 1, configured: 1 });
  });

  it('answers real slices with the maps PyTorch computed for them, in order', async () => {
    // The whole parity set, so its hash proves these are the bytes PyTorch saw; only two are sent.
    const inputs = await parityInputs(vectors.count);
    expect(inputs.sha256).toBe(vectors.inputsSha256);
    const slices = Array.from({ length: SLICES }, (_, i) => inputs.gray.slice(i * PIXELS, (i + 1) * PIXELS));
    const r = await infer(h.worker.url, slices, { requestId: 'shipped-parity' });
    expect(r.status).toBe(200);
    if (!r.ok) return;
    expect(r.header.model).toEqual({ name: 'bsnet', version: '1.2.0' });
    expect(r.header.timing.batchSizes).toEqual([1, 1]);
    r.maps.forEach((map, i) => {
      const golden = vectors.probabilities.subarray(i * PIXELS, (i + 1) * PIXELS);
      const diff = maxAbsDiff(map, golden, 1 / 255);
      if (process.env.BSNET_PRINT_PARITY) console.log(`slice ${i}: max |worker byte / 255 - torch| = ${diff.toExponential(2)} (tolerance ${TOLERANCE.toExponential(2)})`);
      expect(diff, `slice ${i}`).toBeLessThanOrEqual(TOLERANCE);
    });
    // A real lesion map, not an empty one: the slices have infection PyTorch sees.
    expect(r.maps.some((map) => map.some((v) => v > 128))).toBe(true);
  }, 60_000);
});
