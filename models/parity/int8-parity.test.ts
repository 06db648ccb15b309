/**
 * The int8-activation file (models/quantize/) against the float file it was made from, both run
 * as the GPU worker runs them (its model loader, its backend module, each with the session
 * options its manifest asks for: the QDQ passes on for int8, off for the float file), on real
 * validation slices that calibration never saw. Int8 cannot be bit-exact, so the tolerances are
 * int8's: per-pixel probabilities within a few 1/255 steps on average, and masks (p > 0.5) that
 * agree almost everywhere. The scores that decide shipping are in the manifests (npm run evaluate).
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OrtBackend } from '../../gpu-worker/src/inference/ort-backend.js';
import { loadModel } from '../../gpu-worker/src/model/load-model.js';
import { parityInputs } from './parity-inputs.js';

const FLOAT = fileURLToPath(new URL('../bsnet.manifest.json', import.meta.url));
const INT8 = fileURLToPath(new URL('../bsnet-int8.manifest.json', import.meta.url));
const SLICES = 4;
/** Mean |p_int8 - p_float| over all pixels, in probability (0..1). */
const MEAN_TOLERANCE = 0.01;
/** Dice of the two binary masks (p > 0.5), per slice. */
const MASK_DICE = 0.97;

async function probabilities(manifestPath: string, gray: Uint8Array): Promise<{ prob: Float32Array; activations: string }> {
  const { manifest, bytes } = await loadModel(manifestPath);
  const backend = await OrtBackend.create({ modelBytes: bytes, manifest, providers: ['cpu'], intraOpThreads: availableParallelism() });
  try {
    return { prob: await backend.probabilities(gray, SLICES), activations: manifest.activations };
  } finally {
    await backend.dispose();
  }
}

describe('int8-activation file vs the float file', () => {
  it(`agrees within int8's tolerance on ${SLICES} validation slices, through the worker's backend`, async () => {
    const { gray } = await parityInputs(SLICES);
    const float = await probabilities(FLOAT, gray);
    const int8 = await probabilities(INT8, gray);
    expect([float.activations, int8.activations]).toEqual(['fp32', 'int8-qdq']);
    const pixels = float.prob.length / SLICES;
    for (let s = 0; s < SLICES; s++) {
      let sum = 0;
      let both = 0;
      let a = 0;
      let b = 0;
      let max = 0;
      for (let i = s * pixels; i < (s + 1) * pixels; i++) {
        const d = Math.abs(int8.prob[i]! - float.prob[i]!);
        sum += d;
        if (d > max) max = d;
        const fi = float.prob[i]! > 0.5;
        const qi = int8.prob[i]! > 0.5;
        if (fi) a++;
        if (qi) b++;
        if (fi && qi) both++;
      }
      const mean = sum / pixels;
      const dice = a + b === 0 ? 1 : (2 * both) / (a + b);
      if (process.env.BSNET_PRINT_PARITY) console.log(`slice ${s}: mean |int8 - float| ${mean.toExponential(2)}, max ${max.toFixed(3)}, mask Dice ${dice.toFixed(4)} (${a} vs ${b} pixels)`);
      expect(mean).toBeLessThan(MEAN_TOLERANCE);
      expect(dice).toBeGreaterThan(MASK_DICE);
    }
  }, 120_000);
});
