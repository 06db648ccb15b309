/**
 * Calibration for models/quantize/qdq.py: runs the augmented model (every tensor to quantise also
 * an output) on training slices only, exactly as the worker feeds the network (8-bit gray resized
 * to the input size, repeated to 3 channels, normalised by the manifest), and writes each
 * tensor's range by several methods, one JSON per method, for the validation split to choose:
 *
 *   minmax          the smallest and largest value seen
 *   p99.99, p99.9   percentiles of the values seen (a subsample of each slice's tensor), which
 *                   clip rare outliers so the common values get finer steps
 *
 *   npx tsx models/quantize/calibrate.ts --plan .bench/quant --images DIR --masks DIR --exclude models/splits/covid-semiseg-val.txt [--limit 32]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { ModelManifest } from '../../shared/model-manifest.js';
import { resizeBilinear } from '../../shared/image/resize-bilinear.js';
import { mulberry32 } from '../../shared/seeded-random.js';
import { grayToNormalizedNchw, normalizationTables } from '../../gpu-worker/src/inference/normalize.js';
import { listSlices, loadSlice } from '../evaluate/load-slices.js';

/** Values kept per tensor per slice for the percentiles: enough for 99.99 % over 32 slices. */
const SAMPLE = 8192;
const PERCENTILES = [99.9, 99.99] as const;

const { values } = parseArgs({
  options: {
    plan: { type: 'string' },
    images: { type: 'string' },
    masks: { type: 'string' },
    exclude: { type: 'string' },
    limit: { type: 'string', default: '32' },
    manifest: { type: 'string', default: 'models/bsnet.manifest.json' },
  },
});
if (!values.plan || !values.images || !values.masks) throw new Error('usage: --plan DIR --images DIR --masks DIR [--exclude FILE] [--limit N]');

const manifest = ModelManifest.parse(JSON.parse(await readFile(values.manifest!, 'utf8')));
const { tensors } = JSON.parse(await readFile(join(values.plan, 'plan.json'), 'utf8')) as { tensors: string[] };
const excluded = new Set(values.exclude ? (await readFile(values.exclude, 'utf8')).split('\n').map((l) => l.trim()).filter(Boolean) : []);
const files = (await listSlices(values.images, values.masks)).filter((f) => !excluded.has(f.name)).slice(0, Number(values.limit));

// The weights' DequantizeLinear folded to fp32 at load, as the worker runs the float file.
const session = await ort.InferenceSession.create(join(values.plan, 'augmented.onnx'), {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  extra: { session: { disable_quant_qdq: '1' } },
});
const size = manifest.inputSize;
const pixels = size * size;
const tables = normalizationTables(manifest.normalization);
const random = mulberry32(15);
const stats = new Map<string, { min: number; max: number; sample: number[] }>(tensors.map((t) => [t, { min: Infinity, max: -Infinity, sample: [] }]));

for (const [n, file] of files.entries()) {
  const slice = await loadSlice(file);
  const gray = resizeBilinear(slice.image, size, size).data;
  const input = new Float32Array(3 * pixels);
  grayToNormalizedNchw(gray, 1, pixels, tables, input);
  const out = await session.run({ [manifest.inputName]: new ort.Tensor('float32', input, [1, 3, size, size]) }, tensors);
  for (const name of tensors) {
    const data = out[name]!.data as Float32Array;
    const s = stats.get(name)!;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v < s.min) s.min = v;
      if (v > s.max) s.max = v;
    }
    for (let k = 0; k < SAMPLE; k++) s.sample.push(data[Math.floor(random() * data.length)]!);
    out[name]!.dispose();
  }
  process.stderr.write(`\r${n + 1}/${files.length} slices`);
}
process.stderr.write('\n');

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const methods: Record<string, Record<string, { min: number; max: number }>> = { minmax: {} };
for (const p of PERCENTILES) methods[`p${p}`] = {};
for (const [name, s] of stats) {
  methods['minmax']![name] = { min: s.min, max: s.max };
  const sorted = s.sample.sort((a, b) => a - b);
  for (const p of PERCENTILES) methods[`p${p}`]![name] = { min: Math.max(s.min, percentile(sorted, 100 - p)), max: Math.min(s.max, percentile(sorted, p)) };
}
for (const [method, ranges] of Object.entries(methods)) {
  await writeFile(join(values.plan, `ranges-${method}.json`), JSON.stringify({ method, slices: files.map((f) => f.name), ranges }));
}
console.log(`calibrated ${tensors.length} tensors on ${files.length} training slices (${files.map((f) => f.name).join(' ')}): ${Object.keys(methods).map((m) => `ranges-${m}.json`).join(', ')}`);
