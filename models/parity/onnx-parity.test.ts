/**
 * The shipped ONNX file, run in onnxruntime-node exactly as the worker feeds it, agrees with the
 * PyTorch model it was exported from to 1e-3 on real slices. The PyTorch side was computed once
 * by models/export.py (probabilities kept in bsnet-parity.u16.gz with their provenance in
 * bsnet-parity.json); the inputs are recomputed here by the product's own decoding and resizing
 * and must hash to what PyTorch saw.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ModelManifest } from '../../shared/model-manifest.js';
import { grayToNormalizedNchw, normalizationTables } from '../../gpu-worker/src/inference/normalize.js';
import { parityInputs, PARITY_SIZE } from './parity-inputs.js';

const MANIFEST = process.env.BSNET_PARITY_MANIFEST ?? fileURLToPath(new URL('../bsnet.manifest.json', import.meta.url));
const PARITY_DIR = process.env.BSNET_PARITY_DIR ?? fileURLToPath(new URL('./', import.meta.url));
const TOLERANCE = 1e-3;

describe('shipped ONNX vs PyTorch', () => {
  it(`agrees to ${TOLERANCE} on real slices`, async () => {
    const manifest = ModelManifest.parse(JSON.parse(await readFile(MANIFEST, 'utf8')));
    const meta = JSON.parse(await readFile(resolve(PARITY_DIR, 'bsnet-parity.json'), 'utf8')) as {
      onnx_sha256: string;
      inputs_sha256: string;
      shape: [number, number, number];
    };
    // The vectors belong to this exact file, and were computed from these exact inputs.
    expect(meta.onnx_sha256).toBe(manifest.sha256);
    const inputs = await parityInputs(meta.shape[0]);
    expect(inputs.sha256).toBe(meta.inputs_sha256);

    const golden = gunzipSync(await readFile(resolve(PARITY_DIR, 'bsnet-parity.u16.gz')));
    const expected = new Uint16Array(golden.buffer, golden.byteOffset, golden.byteLength / 2);
    const count = meta.shape[0];
    const pixels = PARITY_SIZE * PARITY_SIZE;
    expect(expected.length).toBe(count * pixels);

    const session = await ort.InferenceSession.create(await readFile(resolve(dirname(MANIFEST), manifest.file)), { executionProviders: ['cpu'] });
    try {
      const input = new Float32Array(count * 3 * pixels);
      grayToNormalizedNchw(inputs.gray, count, pixels, normalizationTables(manifest.normalization), input);
      const out = await session.run({ [manifest.inputName]: new ort.Tensor('float32', input, [count, 3, PARITY_SIZE, PARITY_SIZE]) });
      const prob = out[manifest.probabilityOutput]!.data as Float32Array;
      let maxDiff = 0;
      for (let i = 0; i < prob.length; i++) maxDiff = Math.max(maxDiff, Math.abs(prob[i]! - expected[i]! / 65535));
      if (process.env.BSNET_PRINT_PARITY) console.log(`max |onnx - torch| = ${maxDiff.toExponential(2)} over ${count} slices`);
      expect(maxDiff).toBeLessThan(TOLERANCE);
    } finally {
      await session.release();
    }
  });
});
