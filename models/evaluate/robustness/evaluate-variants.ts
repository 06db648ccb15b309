/**
 * Scores a model on every robustness variant (variants.ts) of a labelled set, each upload going
 * through the product's own path: the edge's upload classification and decoders (DICOM in HU,
 * JPEG with EXIF orientation), its windowing and 8-bit conversion, its model-input resize, then
 * the GPU worker's session pool. The probability map is brought back to the variant's ground
 * truth size and scored by the same protocol as `npm run evaluate`, so each variant's mean Dice
 * stands beside the clean one's.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { providerCandidates } from '../../../gpu-worker/src/inference/ort-backend.js';
import { SessionPool } from '../../../gpu-worker/src/inference/session-pool.js';
import { createLogger } from '../../../gpu-worker/src/log.js';
import { loadModel } from '../../../gpu-worker/src/model/load-model.js';
import type { GrayImage } from '../../../shared/image/gray-image.js';
import { resizeBilinearFloat } from '../../../shared/image/resize-bilinear.js';
import { nodeCodecWasm } from '../../../edge/src/decode/dicom/codecs/codec-wasm.node.js';
import { toModelInput } from '../../../edge/src/imaging/model-input.js';
import { toGray8 } from '../../../edge/src/imaging/to-gray8.js';
import { DEFAULT_WINDOW_OPTION } from '../../../edge/src/imaging/window.js';
import { decodeUpload } from '../../../edge/src/upload/decode-upload.js';
import { classifyUpload } from '../../../edge/src/upload/read-slices.js';
import { listSlices, loadSlice, type ListOptions } from '../load-slices.js';
import { aggregateScores, scoreImage, type ImageScores } from '../metrics/score-set.js';
import { diceAtThreshold } from '../metrics/threshold-curves.js';
import { VARIANTS, type Variant, type VariantFamily } from './variants.js';

export interface VariantScore {
  name: string;
  family: VariantFamily;
  /** Inf-Net protocol mean Dice (min-max normalised map, mean over 256 thresholds). */
  meanDice: number;
  /** Dice of the mask the product ships (p >= 0.5), mean over slices. */
  dice05: number;
  meanSpecificity: number;
  count: number;
}

export interface VariantsOptions extends ListOptions {
  manifestPath: string;
  images: string;
  masks: string;
  /** Only the variants whose names start with one of these (all when absent); the clean upload, which the others are compared with, always. */
  only?: string[];
  onProgress?: (variant: string, done: number, total: number) => void;
}

export async function evaluateVariants(opts: VariantsOptions): Promise<{ model: { name: string; version: string }; scores: VariantScore[] }> {
  const files = await listSlices(opts.images, opts.masks, { names: opts.names, limit: opts.limit });
  const slices = await Promise.all(files.map(loadSlice));
  const variants = VARIANTS.filter((v, i) => i === 0 || !opts.only || opts.only.some((o) => v.name.startsWith(o)));
  const { manifest, bytes } = await loadModel(opts.manifestPath);
  const size = manifest.inputSize;
  const pool = await SessionPool.create(
    { modelBytes: bytes, manifest, providers: providerCandidates('cpu'), intraOpThreads: availableParallelism(), warmupBatchSizes: [1] },
    1,
    { log: createLogger('warn') },
  );
  const workDir = await mkdtemp(join(tmpdir(), 'bsnet-variants-'));
  try {
    const scores: VariantScore[] = [];
    for (const variant of variants) scores.push(await scoreVariant(variant, slices, pool, size, workDir, opts));
    return { model: { name: manifest.name, version: manifest.version }, scores };
  } finally {
    await pool.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

/** The 0.5th and 99.5th percentiles to 0 and 255 (variants.ts `stretch`). */
function stretch(gray: GrayImage): GrayImage {
  const histogram = new Uint32Array(256);
  for (const v of gray.data) histogram[v]!++;
  const at = (fraction: number): number => {
    let seen = 0;
    for (let v = 0; v < 256; v++) if ((seen += histogram[v]!) >= fraction * gray.data.length) return v;
    return 255;
  };
  const lo = at(0.005);
  const hi = Math.max(at(0.995), lo + 1);
  return { ...gray, data: Uint8Array.from(gray.data, (v) => Math.min(255, Math.max(0, Math.round(((v - lo) * 255) / (hi - lo))))) };
}

async function scoreVariant(variant: Variant, slices: Awaited<ReturnType<typeof loadSlice>>[], pool: SessionPool, size: number, workDir: string, opts: VariantsOptions): Promise<VariantScore> {
  const scored: ImageScores[] = [];
  const dice05: number[] = [];
  for (const [i, slice] of slices.entries()) {
    const upload = await variant.make(slice, workDir);
    // The product's path: classify, decode (EXIF, HU), window, 8-bit, model input.
    const decoded = await decodeUpload(classifyUpload(upload.bytes, upload.contentType, 'variant'), nodeCodecWasm);
    const gray = toGray8(decoded, upload.window ?? DEFAULT_WINDOW_OPTION);
    const input = toModelInput(upload.stretch ? stretch(gray) : gray, size);
    const { probabilities } = await pool.run(input.pixels, 1);
    const prob = resizeBilinearFloat({ width: size, height: size, data: Float32Array.from(probabilities, (v) => v / 255) }, upload.mask.width, upload.mask.height);
    scored.push(scoreImage(prob.data, upload.mask.data, upload.mask.width, upload.mask.height));
    dice05.push(diceAtThreshold(prob.data, upload.mask.data, 0.5));
    opts.onProgress?.(variant.name, i + 1, slices.length);
  }
  const { meanDice, meanSpecificity } = aggregateScores(scored);
  return { name: variant.name, family: variant.family, meanDice, dice05: dice05.reduce((a, b) => a + b, 0) / dice05.length, meanSpecificity, count: slices.length };
}
