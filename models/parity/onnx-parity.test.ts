/**
 * The shipped ONNX file, run exactly as the GPU worker runs it (its model loader, its backend
 * module with the worker's session options for the manifest's weight storage, the CPU provider),
 * agrees with the PyTorch model it was exported from to 1e-3 on real slices. The PyTorch side was
 * computed once by models/export.py (parity-vectors.ts); the inputs are recomputed here by the
 * product's own decoding and resizing and must hash to what PyTorch saw.
 */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { OrtBackend } from '../../gpu-worker/src/inference/ort-backend.js';
import { loadModel } from '../../gpu-worker/src/model/load-model.js';
import { parityInputs } from './parity-inputs.js';
import { loadParityVectors, maxAbsDiff, PARITY_MANIFEST } from './parity-vectors.js';

const TOLERANCE = 1e-3;

describe('shipped ONNX vs PyTorch', () => {
  it(`agrees to ${TOLERANCE} on real slices, with the GPU worker's session options`, async () => {
    const { manifest, bytes } = await loadModel(PARITY_MANIFEST);
    const vectors = await loadParityVectors();
    // The vectors belong to this exact file, and were computed from these exact inputs.
    expect(vectors.onnxSha256).toBe(manifest.sha256);
    const inputs = await parityInputs(vectors.count);
    expect(inputs.sha256).toBe(vectors.inputsSha256);

    const backend = await OrtBackend.create({ modelBytes: bytes, manifest, providers: ['cpu'], intraOpThreads: availableParallelism() });
    try {
      const prob = await backend.probabilities(inputs.gray, vectors.count);
      const maxDiff = maxAbsDiff(prob, vectors.probabilities);
      if (process.env.BSNET_PRINT_PARITY) console.log(`max |onnx - torch| = ${maxDiff.toExponential(2)} over ${vectors.count} slices (${manifest.weightStorage})`);
      expect(maxDiff).toBeLessThan(TOLERANCE);
    } finally {
      await backend.dispose();
    }
  });
});
