/**
 * The baseline the GPU worker is measured against: one onnxruntime-node session in this
 * process, run back to back through the same backend module (ort-backend.ts) the session
 * threads use, so it does exactly their per-batch work (gray uint8 -> normalised NCHW float,
 * the probability back to bytes) with their session options. No HTTP, no signing, no queue, no
 * thread hop.
 */
import { availableParallelism } from 'node:os';
import type { ModelManifest } from '../../shared/model-manifest.js';
import { OrtBackend } from '../src/inference/ort-backend.js';

export interface BareResult {
  batch: number;
  /** Timed executions (after warm-up). */
  runs: number;
  images: number;
  imagesPerSecond: number;
  msPerBatch: number;
}

export interface BareOptions {
  /** Batch sizes to time, e.g. [1, maxBatch]. */
  batchSizes: number[];
  /** Roughly how many images to time per batch size (at least 2 executions each). */
  images: number;
  /** Untimed executions per batch size first. */
  warmup: number;
  intraOpThreads?: number;
}

/** Deterministic CT-like gray slices: smooth blobs over a dark background, plus noise. */
export function syntheticSlices(count: number, size: number): Uint8Array[] {
  return Array.from({ length: count }, (_, k) => {
    const out = new Uint8Array(size * size);
    let s = (k + 1) * 2654435761;
    const cx1 = size * (0.33 + 0.02 * k);
    const cx2 = size * 0.68;
    const cy = size * 0.48;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        s = (s * 1103515245 + 12345) >>> 0;
        const blob = 120 * Math.exp(-((x - cx1) ** 2 + (y - cy) ** 2) / (size * 7)) + 90 * Math.exp(-((x - cx2) ** 2 + (y - cy + 5 * k) ** 2) / (size * 5));
        out[y * size + x] = Math.min(255, Math.round(30 + blob + (s >>> 24) / 16));
      }
    }
    return out;
  });
}

/** Times a bare session loop at each batch size; the session is released before returning. */
export async function runBareSessionLoop(modelBytes: Uint8Array, manifest: ModelManifest, opts: BareOptions): Promise<BareResult[]> {
  const size = manifest.inputSize;
  const pixels = size * size;
  // Warm-up is timed per batch size below, so the backend itself skips it.
  const backend = await OrtBackend.create({ modelBytes, manifest, providers: ['cpu'], intraOpThreads: opts.intraOpThreads ?? availableParallelism() });
  const slices = syntheticSlices(4, size);
  const runOnce = (gray: Uint8Array, count: number) => backend.run(gray, count);

  const results: BareResult[] = [];
  try {
    for (const batch of opts.batchSizes) {
      const gray = new Uint8Array(batch * pixels);
      for (let i = 0; i < batch; i++) gray.set(slices[i % slices.length]!, i * pixels);
      for (let i = 0; i < opts.warmup; i++) await runOnce(gray, batch);
      const runs = Math.max(2, Math.ceil(opts.images / batch));
      const started = performance.now();
      for (let i = 0; i < runs; i++) await runOnce(gray, batch);
      const seconds = (performance.now() - started) / 1000;
      results.push({ batch, runs, images: runs * batch, imagesPerSecond: (runs * batch) / seconds, msPerBatch: (1000 * seconds) / runs });
    }
  } finally {
    await backend.dispose();
  }
  return results;
}
