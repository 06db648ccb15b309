/**
 * Scores a model on a folder of slices with the GPU worker's own inference path: the same manifest
 * loader (sha256 checked), the same session threads and the same 8-bit preprocessing and output
 * the product uses, so the numbers describe what the API serves rather than a research copy.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { providerCandidates } from '../../gpu-worker/src/inference/ort-backend.js';
import { SessionPool } from '../../gpu-worker/src/inference/session-pool.js';
import { createLogger } from '../../gpu-worker/src/log.js';
import { loadModel } from '../../gpu-worker/src/model/load-model.js';
import type { FloatImage } from '../../shared/image/gray-image.js';
import { resizeBilinear, resizeBilinearFloat } from '../../shared/image/resize-bilinear.js';
import { lungRegion } from '../../shared/lung/lung-mask.js';
import { lungMaskFromGray8 } from '../../shared/lung/lung-mask-gray8.js';
import { LUNG_MARGIN_PX } from '../../edge/src/lung/restrict-to-lung.js';
import type { ExecutionProvider } from '../../shared/worker-readiness.js';
import { listSlices, loadSlice, type ListOptions, type Slice } from './load-slices.js';
import { aggregateScores, scoreImage, type ImageScores, type Scores } from './metrics/score-set.js';
import { diceAtThreshold } from './metrics/threshold-curves.js';
import { writeOverlay } from './overlay.js';

export interface EvaluateOptions extends ListOptions {
  manifestPath: string;
  /** Folder of slice images (.jpg/.jpeg/.png). */
  images: string;
  /** Folder of masks, one .png per image stem. */
  masks: string;
  /** Slices per inference call; default 8 (the worker's default BSNET_MAX_BATCH). */
  batch?: number;
  provider?: 'auto' | ExecutionProvider;
  /** Where to write one overlay PNG per slice; none when absent. */
  overlaysDir?: string;
  /** Overlays show the plain slice beside the overlay. */
  sideBySide?: boolean;
  onProgress?: (done: number, total: number) => void;
  /**
   * Cut the map to the slice's lung mask (intensity method, widened by the product's margin)
   * before scoring, as the edge does when RESTRICT_TO_LUNG is on; slices without two lungs found
   * are scored uncut, as the edge answers them.
   */
  restrictToLung?: boolean;
}

export interface PerImageResult extends Scores {
  name: string;
  width: number;
  height: number;
  /** Dice of the mask the product ships (raw probability >= 0.5, no min-max normalisation). */
  dice05: number;
}

export interface EvaluationResult {
  scores: Scores;
  perImage: PerImageResult[];
  count: number;
  model: { name: string; version: string; sha256: string };
  provider: ExecutionProvider;
  seconds: number;
  /** With restrictToLung: the slices where two lungs were found (and so the map was cut). */
  lungFound?: number;
}

/**
 * @example
 * const r = await evaluateModel({ manifestPath: 'models/bsnet.manifest.json', images: 'test/images', masks: 'test/masks' });
 * console.log(r.scores.meanDice);
 */
export async function evaluateModel(opts: EvaluateOptions): Promise<EvaluationResult> {
  const started = performance.now();
  const batch = opts.batch ?? 8;
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be a positive integer, got ${batch}`);
  // List (and so validate) the set before paying for a model load.
  const files = await listSlices(opts.images, opts.masks, { names: opts.names, limit: opts.limit });
  const { manifest, bytes } = await loadModel(opts.manifestPath);
  const size = manifest.inputSize;
  const pool = await SessionPool.create(
    { modelBytes: bytes, manifest, providers: providerCandidates(opts.provider ?? 'cpu'), intraOpThreads: availableParallelism(), warmupBatchSizes: [1] },
    1,
    // Only trouble is worth a line beside the score table (a session thread that died).
    { log: createLogger('warn') },
  );
  try {
    const scored: ImageScores[] = [];
    let lungFound = 0;
    const perImage: PerImageResult[] = [];
    for (let start = 0; start < files.length; start += batch) {
      const slices = await Promise.all(files.slice(start, start + batch).map(loadSlice));
      const probs = await predict(pool, slices, size);
      for (const [j, slice] of slices.entries()) {
        const { width, height } = slice.mask;
        // Back to the mask's size in float, as Inf-Net's protocol scores at the ground truth's size.
        const prob = resizeBilinearFloat({ width: size, height: size, data: probs[j]! }, width, height);
        if (opts.restrictToLung && cutToLung(prob, slice)) lungFound++;
        const s = scoreImage(prob.data, slice.mask.data, width, height);
        scored.push(s);
        const { curves: _, ...means } = s;
        perImage.push({ name: slice.name, width, height, ...means, dice05: diceAtThreshold(prob.data, slice.mask.data, 0.5) });
        if (opts.overlaysDir) {
          await writeOverlay(join(opts.overlaysDir, `${slice.name}.png`), slice.image, prob, slice.mask, { sideBySide: opts.sideBySide });
        }
      }
      opts.onProgress?.(perImage.length, files.length);
    }
    const { curves: _, ...scores } = aggregateScores(scored);
    return {
      scores,
      perImage,
      count: perImage.length,
      model: { name: manifest.name, version: manifest.version, sha256: manifest.sha256 },
      provider: pool.provider,
      seconds: (performance.now() - started) / 1000,
      ...(opts.restrictToLung ? { lungFound } : {}),
    };
  } finally {
    await pool.close();
  }
}

/** Zeroes `prob` outside the slice's widened lungs; false (and `prob` untouched) when two lungs were not found. */
function cutToLung(prob: FloatImage, slice: Slice): boolean {
  const lung = lungMaskFromGray8(slice.image);
  if (!lung.found) return false;
  if (lung.width !== prob.width || lung.height !== prob.height) throw new RangeError(`${slice.name}: image ${lung.width}x${lung.height} and mask ${prob.width}x${prob.height} differ`);
  const region = lungRegion(lung, LUNG_MARGIN_PX).data;
  for (let i = 0; i < prob.data.length; i++) if (!region[i]) prob.data[i] = 0;
  return true;
}

/** Runs one batch the way the product does: resize to the input size in 8-bit, probabilities back as p * 255. */
async function predict(pool: SessionPool, slices: Slice[], size: number): Promise<Float32Array[]> {
  const pixels = size * size;
  const gray = new Uint8Array(slices.length * pixels);
  slices.forEach((s, i) => gray.set(resizeBilinear(s.image, size, size).data, i * pixels));
  const { probabilities } = await pool.run(gray, slices.length);
  return slices.map((_, i) => Float32Array.from(probabilities.subarray(i * pixels, (i + 1) * pixels), (v) => v / 255));
}
