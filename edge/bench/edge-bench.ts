/**
 * Edge benchmark (`npm run bench:edge`), three figures:
 *  1. CPU time to decode and preprocess one upload to the model input (same code as the Worker,
 *     run on V8 in Node): a 512x512 16-bit PNG, a 512x512 16-bit CT DICOM, a 12 MP phone JPEG,
 *     and the reverse step (mask, statistics, PNG) at the upload's size.
 *  2. Cache-hit latency p50/p99 of POST /v1/segment against the local stack (workerd + miniflare
 *     R2/D1/DO via wrangler's test harness, a real GPU worker on 127.0.0.1).
 *  3. End-to-end throughput through edge and worker as a ratio of the worker's own, same worker,
 *     same concurrency, in one process. `--manifest models/bsnet.manifest.json` uses the shipped
 *     model (slow on CPU); the default is the stand-in, where the edge's overhead shows most.
 * Inputs are made from ../shared/data by make-bench-inputs.py into .bench/edge (not committed).
 */
import { nodeCodecWasm } from '../src/decode/dicom/codecs/codec-wasm.node.js';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SIZE, infer } from '../../tests/gpu-worker/worker-harness.js';
import { startEdgeStack } from '../../tests/edge/edge-stack.js';
import { jpegGray, pngOf, sliceJpeg, testSliceNames } from '../../tests/edge/fixtures.js';
import { resizeBilinear } from '../../shared/image/resize-bilinear.js';
import { toGray8 } from '../src/imaging/to-gray8.js';
import { toModelInput } from '../src/imaging/model-input.js';
import { sliceLungMask } from '../src/lung/slice-lung.js';
import { storedLung } from '../src/lung/stored-lung.js';
import { renderSliceResult } from '../src/pipeline/render-slice-result.js';
import { decodeUpload } from '../src/upload/decode-upload.js';
import { classifyUpload } from '../src/upload/read-slices.js';

const { values: args } = parseArgs({
  options: {
    manifest: { type: 'string' },
    runs: { type: 'string', default: '15' },
    hits: { type: 'string', default: '200' },
    slices: { type: 'string', default: '24' },
    concurrency: { type: 'string', default: '4' },
  },
});
const RUNS = Number(args.runs);
const BENCH_DIR = '.bench/edge';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

function inputs(): { name: string; bytes: Uint8Array; type: string }[] {
  if (!existsSync(`${BENCH_DIR}/phone-12mp.jpg`)) {
    const run = spawnSync('/usr/bin/python3', ['edge/bench/make-bench-inputs.py', BENCH_DIR, '../shared/data'], { stdio: 'inherit' });
    if (run.status !== 0) throw new Error('make-bench-inputs.py failed (needs /usr/bin/python3 with pydicom, PIL, numpy)');
  }
  const slice = jpegGray(sliceJpeg(testSliceNames()[0]!));
  const png512 = pngOf(resizeBilinear(slice, 512, 512), 'gray16');
  return [
    { name: '512x512 16-bit PNG', bytes: png512, type: 'image/png' },
    { name: '512x512 16-bit CT DICOM', bytes: new Uint8Array(readFileSync(`${BENCH_DIR}/ct-512.dcm`)), type: 'application/dicom' },
    { name: '12 MP phone JPEG (4:2:0, EXIF 6)', bytes: new Uint8Array(readFileSync(`${BENCH_DIR}/phone-12mp.jpg`)), type: 'image/jpeg' },
  ];
}

async function cpuFigures(): Promise<void> {
  console.log(`\n1. Edge CPU per upload (median of ${RUNS}, ms)`);
  console.log('| upload | bytes | decode | to 8-bit + resize to 352 | total in | lung mask (x total in) | mask + stats + PNG out |');
  console.log('|---|---|---|---|---|---|---|');
  for (const input of inputs()) {
    const slice = classifyUpload(input.bytes, input.type, 'body');
    const decodeMs: number[] = [];
    const prepMs: number[] = [];
    const lungMs: number[] = [];
    const outMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const decoded = await decodeUpload(slice, nodeCodecWasm);
      const t1 = performance.now();
      const gray = toGray8(decoded);
      const model = toModelInput(gray, SIZE);
      const t2 = performance.now();
      const lung = storedLung(sliceLungMask(decoded, gray));
      const t3 = performance.now();
      const w = decoded.kind === 'gray' && decoded.sourceWidth ? decoded.sourceWidth : decoded.width;
      const h = decoded.kind === 'gray' && decoded.sourceHeight ? decoded.sourceHeight : decoded.height;
      await renderSliceResult({ probability: model.pixels, originalWidth: w, originalHeight: h, lung }, SIZE);
      const t4 = performance.now();
      decodeMs.push(t1 - t0);
      prepMs.push(t2 - t1);
      lungMs.push(t3 - t2);
      outMs.push(t4 - t3);
    }
    const f = (x: number) => x.toFixed(1);
    console.log(`| ${input.name} | ${input.bytes.length} | ${f(median(decodeMs))} | ${f(median(prepMs))} | ${f(median(decodeMs) + median(prepMs))} | ${f(median(lungMs))} (${f(median(lungMs) / (median(decodeMs) + median(prepMs)))}x) | ${f(median(outMs))} |`);
  }
}

async function stackFigures(): Promise<void> {
  const workerEnv: Record<string, string> = args.manifest ? { BSNET_MODEL_MANIFEST: args.manifest, BSNET_INTRA_OP_THREADS: '0' } : {};
  const stack = await startEdgeStack({ workerEnv, vars: { WORKER_TIMEOUT_MS: '600000', RATE_LIMIT_KEY_PER_MINUTE: '1000000' } });
  try {
    const key = await stack.key('bench');
    const post = (bytes: Uint8Array, type: string) =>
      stack.fetch('/v1/segment', { method: 'POST', body: bytes, headers: { authorization: `Bearer ${key}`, 'content-type': type } });
    console.log(`\nmodel: ${stack.model.name} ${stack.model.version}`);

    const png = inputs()[0]!;
    const first = await post(png.bytes, png.type);
    if (first.status !== 200) throw new Error(`warm-up answered ${first.status}`);
    await first.arrayBuffer();
    const hits: number[] = [];
    for (let i = 0; i < Number(args.hits); i++) {
      const t0 = performance.now();
      const res = await post(png.bytes, png.type);
      await res.arrayBuffer();
      if (res.headers.get('x-cache') !== 'HIT') throw new Error('expected a cache hit');
      hits.push(performance.now() - t0);
    }
    console.log(`\n2. Cache hit, ${png.name}, ${hits.length} sequential requests: p50 ${median(hits).toFixed(1)} ms, p99 ${pct(hits, 99).toFixed(1)} ms`);

    const n = Number(args.slices);
    const c = Number(args.concurrency);
    const names = testSliceNames();
    const jpegs = Array.from({ length: n }, (_, i) => sliceJpeg(names[i % names.length]!));
    const modelInputs = await Promise.all(jpegs.map(async (b) => toModelInput(toGray8(await decodeUpload(classifyUpload(b, 'image/jpeg', 'body'), nodeCodecWasm)), SIZE).pixels));

    const run = async (one: (i: number) => Promise<void>): Promise<number> => {
      let next = 0;
      const t0 = performance.now();
      await Promise.all(Array.from({ length: c }, async () => {
        while (next < n) await one(next++);
      }));
      return n / ((performance.now() - t0) / 1000);
    };
    const direct = await run(async (i) => {
      const out = await infer(stack.workers[0]!.worker.url, [modelInputs[i]!]);
      if (!out.ok) throw new Error(`worker answered ${out.status}`);
    });
    // A fresh tenant per pass so every upload is a miss and really runs the model.
    const edgeKey = await stack.key(`bench-${Date.now() % 1e6}`);
    const viaEdge = await run(async (i) => {
      const res = await stack.fetch('/v1/segment', { method: 'POST', body: jpegs[i]!, headers: { authorization: `Bearer ${edgeKey}`, 'content-type': 'image/jpeg' } });
      await res.arrayBuffer();
      if (res.status !== 200 || res.headers.get('x-cache') !== 'MISS') throw new Error(`edge answered ${res.status} ${res.headers.get('x-cache')}`);
    });
    console.log(`\n3. Throughput, ${n} distinct real JPEG slices, concurrency ${c}, one slice per request`);
    console.log(`   worker alone (signed frames, preprocessed input): ${direct.toFixed(2)} slices/s`);
    console.log(`   through the edge (JPEG upload, decode, cache miss, fan-out, PNG): ${viaEdge.toFixed(2)} slices/s`);
    console.log(`   edge / worker: ${(viaEdge / direct).toFixed(3)}`);
  } finally {
    await stack.stop();
  }
}

await cpuFigures();
await stackFigures();
