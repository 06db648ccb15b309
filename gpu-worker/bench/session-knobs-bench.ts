/**
 * `npm run bench:knobs -- [--model <manifest>] [--runs n]`: the cheap onnxruntime knobs on this
 * CPU, one at a time against the worker's own session options (the baseline row, timed in the
 * same run): intra-op threads, graph optimisation level, the CPU memory arena and memory pattern,
 * and the batch size. Raw onnxruntime-node sessions on synthetic slices (bare-session.ts), so
 * each row differs from the baseline in one option only. The session-thread layout (2 sessions x
 * 1 thread against 1 x 2) needs the worker itself: `BSNET_SESSION_THREADS=2 BSNET_INTRA_OP_THREADS=1
 * npm run bench:worker -- --model ...` against the default.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../src/model/load-model.js';
import { grayToNormalizedNchw, normalizationTables } from '../src/inference/normalize.js';
import { syntheticSlices } from './bare-session.js';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'models/bsnet-int8.manifest.json' }, runs: { type: 'string', default: '4' } } });
const RUNS = Number(values.runs);
const { manifest, bytes } = await loadModel(resolve(values.model!));
const size = manifest.inputSize;
const pixels = size * size;
const cores = availableParallelism();
const int8 = manifest.activations === 'int8-qdq';
const tables = normalizationTables(manifest.normalization);

/** The worker's options for this manifest (ort-backend.ts), which each row changes in one place. */
const workerOptions = (): ort.InferenceSession.SessionOptions => ({
  executionProviders: ['cpu'],
  intraOpNumThreads: cores,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  ...(!int8 && manifest.weightStorage === 'int8-dequantize-at-load' ? { extra: { session: { disable_quant_qdq: '1' } } } : {}),
});

function input(batch: number): ort.Tensor {
  const gray = new Uint8Array(batch * pixels);
  syntheticSlices(batch, size).forEach((s, i) => gray.set(s, i * pixels));
  const data = new Float32Array(batch * 3 * pixels);
  grayToNormalizedNchw(gray, batch, pixels, tables, data);
  return new ort.Tensor('float32', data, [batch, 3, size, size]);
}

async function imagesPerSecond(options: ort.InferenceSession.SessionOptions, batch: number): Promise<{ ips: number; ms: number }> {
  const session = await ort.InferenceSession.create(bytes, options);
  try {
    const feeds = { [manifest.inputName]: input(batch) };
    await session.run(feeds, [manifest.probabilityOutput]);
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await session.run(feeds, [manifest.probabilityOutput]);
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    const median = ms[ms.length >> 1]!;
    return { ips: (1000 * batch) / median, ms: median };
  } finally {
    await session.release();
  }
}

const rows: [string, ort.InferenceSession.SessionOptions, number][] = [
  ['baseline: the worker’s options, batch 1', workerOptions(), 1],
  ['intra-op threads 1', { ...workerOptions(), intraOpNumThreads: 1 }, 1],
  ['graph optimisation extended', { ...workerOptions(), graphOptimizationLevel: 'extended' }, 1],
  ['graph optimisation basic', { ...workerOptions(), graphOptimizationLevel: 'basic' }, 1],
  ['no CPU memory arena', { ...workerOptions(), enableCpuMemArena: false }, 1],
  ['no memory pattern', { ...workerOptions(), enableMemPattern: false }, 1],
  ['batch 2', workerOptions(), 2],
  ['batch 4', workerOptions(), 4],
  ['batch 8', workerOptions(), 8],
];
console.log(`${manifest.name}@${manifest.version} (${manifest.activations} activations), ${cores} cores, median of ${RUNS} runs after one warm-up, Node ${process.version}\n`);
let base = NaN;
for (const [label, options, batch] of rows) {
  const r = await imagesPerSecond(options, batch);
  if (Number.isNaN(base)) base = r.ips;
  console.log(`${label.padEnd(42)} ${r.ips.toFixed(2).padStart(6)} images/s  ${r.ms.toFixed(0).padStart(6)} ms per run  ${(r.ips / base).toFixed(2)}x`);
}
