/**
 * `npm run bench:study -- [--slices N] [--size S] [--model stand-in|shipped|shipped-int8]`: one CT study end
 * to end through the local stack (the real Worker in workerd via wrangler's test harness, with
 * miniflare's D1, R2, Durable Objects and Queues, in front of a real GPU worker on 127.0.0.1, as
 * tests/edge/studies.test.ts runs it), against the GPU worker's own throughput in the same run.
 *
 *   1. N consecutive slices of one pseudo-labelled volume as CT DICOM in HU (S x S, 16-bit,
 *      unsigned with intercept, 2.5 mm apart), and the model inputs the edge makes of them;
 *   2. baseline: those N model inputs sent straight to the GPU worker with infer(), in chunks of
 *      the pool's maxSlicesPerCall (8), as many chunks in flight as one queue batch fans out;
 *   3. the study: create, upload in STOW-RS calls of ~40 instances, commit, poll GET every 100 ms
 *      (commit to first slice done, commit to completed), with the workerd process's memory;
 *   4. the baseline again (both are printed: the machine is shared, so the pair shows the noise);
 *   then the series' DICOM SEG and SR fetched twice each, timed through the Worker.
 * The stand-in model is the default (the shipped BSNet runs about one slice a second on 2 CPU
 * cores); `--model shipped` starts the GPU worker on models/bsnet.manifest.json.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, release, tmpdir, type } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { concatBytes } from '../../shared/concat-bytes.js';
import { startEdgeStack, type EdgeStack } from '../../tests/edge/edge-stack.js';
import { dataPath } from '../../tests/edge/fixtures.js';
import { workerdMemory, type ProcessMemory } from '../../tests/edge/workerd-memory.js';
import { infer } from '../../tests/gpu-worker/worker-harness.js';
import { scrapeHistogram, type HistogramSnapshot } from '../../gpu-worker/bench/load-generator.js';
import { ctSliceDicom } from '../src/decode/dicom/ct-slice.test-support.js';
import { nodeCodecWasm } from '../src/decode/dicom/codecs/codec-wasm.node.js';
import { DEFAULT_WINDOW_OPTION } from '../src/imaging/window.js';
import { toGray8 } from '../src/imaging/to-gray8.js';
import { toModelInput } from '../src/imaging/model-input.js';
import { decodeUpload } from '../src/upload/decode-upload.js';
import { classifyUpload } from '../src/upload/read-slices.js';

const HELP = `Usage: npm run bench:study -- [options]
  --slices <n>                 slices in the study (default 120)
  --size <px>                  rows = columns of each CT slice (default 512)
  --model stand-in|shipped|shipped-int8
                               the GPU worker's model (default stand-in; shipped = models/bsnet.manifest.json, ~1 slice/s
                               on CPU; shipped-int8 = models/bsnet-int8.manifest.json, the CPU default, ~3 slices/s)
  --per-call <n>               instances per STOW-RS upload call (default 40, fewer when the body would pass MAX_BODY_BYTES)
  -h, --help                   this text`;

/** The issue's target: a study's slices/s within 10% of the GPU worker's own. */
const TARGET_RATIO = 0.9;
/** GpuWorkerPool's default maxSlicesPerCall (edge/src/fanout/gpu-worker-pool.ts). */
const POOL_SLICES_PER_CALL = 8;
const POLL_MS = 100;
const SPACING_MM = 2.5;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const { values: args } = parseArgs({
  options: {
    slices: { type: 'string', default: '120' },
    size: { type: 'string', default: '512' },
    model: { type: 'string', default: 'stand-in' },
    'per-call': { type: 'string', default: '40' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
const positiveInt = (name: string, raw: string): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return n;
};
const SLICES = positiveInt('slices', args.slices);
const SIZE = positiveInt('size', args.size);
const PER_CALL = positiveInt('per-call', args['per-call']);
const MANIFESTS: Record<string, string> = { shipped: 'models/bsnet.manifest.json', 'shipped-int8': 'models/bsnet-int8.manifest.json' };
if (args.model !== 'stand-in' && !(args.model in MANIFESTS)) throw new Error(`--model must be stand-in, shipped or shipped-int8, got "${args.model}"`);
const MODEL = args.model;

const progress = (msg: string) => process.stderr.write(`  ${msg}\n`);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The [[queues.consumers]] tables of wrangler.toml (the settings startEdgeStack's Worker runs with). */
function queueConsumers(toml: string): Record<string, string>[] {
  return toml
    .split(/^\[\[queues\.consumers\]\]\s*$/m)
    .slice(1)
    .map((block) => block.split(/^\[/m)[0]!)
    .map((block) => Object.fromEntries([...block.matchAll(/^(\w+)\s*=\s*(.+?)\s*$/gm)].map((m) => [m[1]!, m[2]!.replace(/^"|"$/g, '')])));
}

/** The volume of pseudo/ with the longest run of consecutive slice numbers, and n of them from its middle. */
function pickSlices(n: number): { volume: string; numbers: number[] } {
  const dir = fileURLToPath(dataPath('covid-semiseg/pseudo/images/'));
  const byVolume = new Map<string, Set<number>>();
  for (const f of readdirSync(dir)) {
    const m = /^(.*)_(\d+)\.jpg$/.exec(f);
    if (!m) continue;
    byVolume.set(m[1]!, (byVolume.get(m[1]!) ?? new Set()).add(Number(m[2])));
  }
  let best: { volume: string; start: number; length: number } | undefined;
  for (const [volume, numbers] of [...byVolume].sort(([a], [b]) => a.localeCompare(b))) {
    for (const start of numbers) {
      if (numbers.has(start - 1)) continue;
      let length = 1;
      while (numbers.has(start + length)) length++;
      if (!best || length > best.length) best = { volume, start, length };
    }
  }
  if (!best || best.length < n) throw new Error(`no pseudo/ volume has ${n} consecutive slices (longest: ${best?.length ?? 0})`);
  const first = best.start + Math.floor((best.length - n) / 2);
  return { volume: best.volume, numbers: Array.from({ length: n }, (_, i) => first + i) };
}

/** A STOW-RS request body (PS3.18 10.5): multipart/related, one application/dicom part per instance. */
function stowBody(instances: Uint8Array[], boundary = 'DICOMwebStudyBench'): { body: Uint8Array; type: string } {
  const enc = new TextEncoder();
  const parts = instances.flatMap((bytes) => [enc.encode(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), bytes, enc.encode('\r\n')]);
  return { body: concatBytes([...parts, enc.encode(`--${boundary}--\r\n`)]), type: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}

interface BaselineRun {
  slicesPerSecond: number;
  elapsedMs: number;
  meanBatch: number;
  computeMs: number;
}

/** The N model inputs straight to the GPU worker: chunks of 8, `inFlight` chunks at once (closed loop). */
async function workerBaseline(url: string, inputs: Uint8Array[], inFlight: number): Promise<BaselineRun> {
  const chunks: Uint8Array[][] = [];
  for (let i = 0; i < inputs.length; i += POOL_SLICES_PER_CALL) chunks.push(inputs.slice(i, i + POOL_SLICES_PER_CALL));
  const [batchBefore, computeBefore] = await workerHistograms(url);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let c = next++; c < chunks.length; c = next++) {
        const out = await infer(url, chunks[c]!, { requestId: `study-bench-baseline-${c}`, deadlineMs: 600_000 });
        if (!out.ok) throw new Error(`the GPU worker answered ${out.status}: ${out.problem.code} ${out.problem.detail ?? ''}`);
      }
    }),
  );
  const elapsedMs = performance.now() - t0;
  const [batchAfter, computeAfter] = await workerHistograms(url);
  return {
    slicesPerSecond: inputs.length / (elapsedMs / 1000),
    elapsedMs,
    meanBatch: (batchAfter.sum - batchBefore.sum) / Math.max(1, batchAfter.count - batchBefore.count),
    computeMs: (computeAfter.sum - computeBefore.sum) * 1000,
  };
}

const workerHistograms = (url: string): Promise<[HistogramSnapshot, HistogramSnapshot]> =>
  Promise.all([scrapeHistogram(url, 'bsnet_inference_batch_size'), scrapeHistogram(url, 'bsnet_inference_compute_duration_seconds')]);

const memoryLine = (m: ProcessMemory[]) => m.map((p) => `pid ${p.pid}: VmHWM ${mb(p.hwm)}, VmRSS ${mb(p.rss)}`).join('; ') || 'no workerd process found';

async function main(): Promise<void> {
  const cores = availableParallelism();
  console.log('BSNet study benchmark (edge studies end to end vs the GPU worker alone)');
  console.log(`machine   ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cores} cores, ${type()} ${release()}, node ${process.version}, load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const consumers = queueConsumers(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'));
  for (const c of consumers) {
    console.log(`consumer  ${c['queue']}: max_batch_size ${c['max_batch_size'] ?? '(default 10)'}, max_batch_timeout ${c['max_batch_timeout'] ?? '(default 5)'} s, max_retries ${c['max_retries'] ?? '(default 3)'} (wrangler.toml [[queues.consumers]], as startEdgeStack runs it)`);
  }
  const sliceConsumer = consumers.find((c) => !String(c['queue']).endsWith('-dlq'));
  const queueBatch = Number(sliceConsumer?.['max_batch_size'] ?? 10);
  const inFlight = Math.max(1, Math.ceil(queueBatch / POOL_SLICES_PER_CALL));

  // 1. The series.
  process.stderr.write('[1/4] CT series\n');
  const dir = await mkdtemp(join(tmpdir(), 'bsnet-study-bench-'));
  let stack: EdgeStack | undefined;
  try {
    const { volume, numbers } = pickSlices(SLICES);
    const files: Uint8Array[] = [];
    for (const [i, n] of numbers.entries()) {
      const path = await ctSliceDicom({
        jpegPath: fileURLToPath(dataPath(`covid-semiseg/pseudo/images/${volume}_${n}.jpg`)),
        outPath: join(dir, `s${n}.dcm`),
        storage: 'unsigned-intercept',
        size: SIZE,
        instanceNumber: i + 1,
        positionZ: -150 + i * SPACING_MM,
      });
      files.push(new Uint8Array(readFileSync(path)));
    }
    const totalBytes = files.reduce((a, f) => a + f.length, 0);
    console.log(`series    ${SLICES} slices ${SIZE}x${SIZE} (16-bit HU, unsigned + intercept, uncompressed) of ${volume}, slices ${numbers[0]}..${numbers.at(-1)}, ${mb(totalBytes)} in all`);

    // 2. The stack.
    process.stderr.write('[2/4] edge stack\n');
    const workerEnv: Record<string, string> = MODEL !== 'stand-in' ? { BSNET_MODEL_MANIFEST: join(ROOT, MANIFESTS[MODEL]!), BSNET_INTRA_OP_THREADS: '0' } : {};
    const t0 = performance.now();
    stack = await startEdgeStack({
      workerEnv,
      // A 120-slice study polled every 100 ms is far more than 600 calls a minute; no call may time out on a slow model.
      vars: { WORKER_TIMEOUT_MS: '600000', RATE_LIMIT_KEY_PER_MINUTE: '1000000' },
    });
    const startMs = performance.now() - t0;
    const harness = stack.workers[0]!;
    const cfg = harness.config;
    const manifest = harness.worker.state.manifest;
    if (!manifest) throw new Error('the GPU worker has no model loaded');
    console.log(
      `model     ${MODEL !== 'stand-in' ? MODEL : 'stand-in (the harness default; --model shipped or shipped-int8 for BSNet)'}: ${manifest.name}@${manifest.version} ${manifest.inputSize}x${manifest.inputSize}, sha256 ${manifest.sha256.slice(0, 12)}`,
    );
    console.log(
      `worker    in this process at ${harness.worker.url}: max batch ${cfg.maxBatch}, max queue delay ${cfg.maxQueueDelayMs} ms, ${cfg.sessionThreads} session thread(s) x ${cfg.intraOpThreads} intra-op thread(s), CPU EP; stack up in ${s(startMs)}`,
    );
    const url = harness.worker.url;

    // The model inputs the edge will make of these slices (same decode, default window, resize).
    const inputs: Uint8Array[] = [];
    for (const f of files) {
      const decoded = await decodeUpload(classifyUpload(f, 'application/dicom', 'instance'), nodeCodecWasm);
      inputs.push(toModelInput(toGray8(decoded, DEFAULT_WINDOW_OPTION), manifest.inputSize).pixels);
    }
    // Warm the worker at its largest batch (it warms batch 1 and 2 itself).
    await workerBaseline(url, inputs.slice(0, POOL_SLICES_PER_CALL * inFlight), inFlight);

    process.stderr.write('[3/4] GPU worker alone, before the study\n');
    const before = await workerBaseline(url, inputs, inFlight);
    progress(`${before.slicesPerSecond.toFixed(2)} slices/s`);

    // 3. The study.
    process.stderr.write('[3/4] study through the edge\n');
    const key = await stack.key(`bench-${Date.now().toString(36)}`);
    const auth = { authorization: `Bearer ${key}` };
    const memBefore = workerdMemory();
    const created = await stack.fetch('/v1/studies', { method: 'POST', body: JSON.stringify({ externalId: 'study-bench' }), headers: { ...auth, 'content-type': 'application/json' } });
    if (created.status !== 201) throw new Error(`create answered ${created.status}: ${await created.text()}`);
    const { id } = (await created.json()) as { id: string };

    const maxBody = 40 * 2 ** 20 * 0.9; // MAX_BODY_BYTES in wrangler.toml, with room for the multipart framing
    const perCall = Math.max(1, Math.min(PER_CALL, Math.floor(maxBody / Math.max(...files.map((f) => f.length)))));
    const uploadStart = performance.now();
    const calls: number[] = [];
    for (let i = 0; i < files.length; i += perCall) {
      const stow = stowBody(files.slice(i, i + perCall));
      const c0 = performance.now();
      const res = await stack.fetch(`/v1/studies/${id}/instances`, { method: 'POST', body: stow.body as Uint8Array<ArrayBuffer>, headers: { ...auth, 'content-type': stow.type } });
      const body = (await res.json()) as { accepted?: number; rejected?: number };
      calls.push(performance.now() - c0);
      if (res.status !== 200 || body.rejected !== 0) throw new Error(`upload call answered ${res.status}: ${JSON.stringify(body).slice(0, 400)}`);
    }
    const uploadMs = performance.now() - uploadStart;

    const commitStart = performance.now();
    const commit = await stack.fetch(`/v1/studies/${id}/commit`, { method: 'POST', headers: auth });
    const committed = (await commit.json()) as { slicesQueued?: number };
    const commitAnsweredMs = performance.now() - commitStart;
    if (commit.status !== 202 || committed.slicesQueued !== SLICES) throw new Error(`commit answered ${commit.status}: ${JSON.stringify(committed)}`);
    const [studyBatchBefore, studyComputeBefore] = await workerHistograms(url);

    let firstDoneMs: number | undefined;
    let doneMs: number | undefined;
    let peakRss = 0;
    let last = -1;
    const steps: { ms: number; done: number }[] = [];
    let study: any;
    const timeoutMs = MODEL !== 'stand-in' ? SLICES * 10_000 + 120_000 : 300_000;
    for (;;) {
      const res = await stack.fetch(`/v1/studies/${id}`, { headers: auth });
      study = await res.json();
      const at = performance.now() - commitStart;
      const done = Number(study.progress?.slicesDone ?? 0) + Number(study.progress?.slicesFailed ?? 0);
      for (const m of workerdMemory()) peakRss = Math.max(peakRss, m.rss);
      if (done !== last) {
        steps.push({ ms: at, done });
        last = done;
      }
      if (firstDoneMs === undefined && done > 0) firstDoneMs = at;
      if (study.status === 'completed' || study.status === 'failed') {
        doneMs = at;
        break;
      }
      if (at > timeoutMs) throw new Error(`study still ${study.status} after ${s(at)}: ${JSON.stringify(study.progress)}`);
      await sleep(POLL_MS);
    }
    const [studyBatchAfter, studyComputeAfter] = await workerHistograms(url);
    const memAfter = workerdMemory();

    // The series' DICOM results, built by the Worker on request (twice: a cold and a warm isolate path).
    const series = encodeURIComponent(String(study.series?.[0]?.seriesInstanceUID ?? ''));
    const dicomOut: { kind: string; ms: number[]; bytes: number }[] = [];
    for (const kind of ['seg', 'sr']) {
      const ms: number[] = [];
      let bytes = 0;
      for (let i = 0; i < 2; i++) {
        const t0 = performance.now();
        const res = await stack.fetch(`/v1/studies/${id}/series/${series}/${kind}`, { headers: auth });
        if (res.status !== 200) throw new Error(`GET .../${kind}: ${res.status} ${await res.text()}`);
        bytes = (await res.arrayBuffer()).byteLength;
        ms.push(performance.now() - t0);
      }
      dicomOut.push({ kind, ms, bytes });
    }
    for (const m of workerdMemory()) peakRss = Math.max(peakRss, m.rss);
    if (study.status !== 'completed' || study.progress.slicesDone !== SLICES) throw new Error(`study ended ${study.status}: ${JSON.stringify(study.progress)}`);
    const studyRate = SLICES / (doneMs / 1000);
    const steadyRate = firstDoneMs !== undefined && doneMs > firstDoneMs ? (SLICES - steps.find((x) => x.done > 0)!.done) / ((doneMs - firstDoneMs) / 1000) : NaN;
    const executions = studyBatchAfter.count - studyBatchBefore.count;
    const studyComputeMs = (studyComputeAfter.sum - studyComputeBefore.sum) * 1000;

    // 4. The baseline again.
    process.stderr.write('[4/4] GPU worker alone, after the study\n');
    const after = await workerBaseline(url, inputs, inFlight);
    progress(`${after.slicesPerSecond.toFixed(2)} slices/s`);
    const baseline = (before.slicesPerSecond + after.slicesPerSecond) / 2;
    const ratio = studyRate / baseline;

    console.log('');
    console.log(`upload            ${s(uploadMs)} for ${SLICES} instances in ${calls.length} STOW-RS call(s) of <= ${perCall} (${calls.map((c) => (c / 1000).toFixed(2)).join(', ')} s), ${(totalBytes / 2 ** 20 / (uploadMs / 1000)).toFixed(1)} MiB/s`);
    console.log(`commit            answered in ${commitAnsweredMs.toFixed(0)} ms (${SLICES} messages queued)`);
    console.log(`commit -> first   ${firstDoneMs === undefined ? '-' : s(firstDoneMs)} until progress.slicesDone > 0 (GET every ${POLL_MS} ms)`);
    console.log(`commit -> done    ${s(doneMs)} until status completed (${study.progress.slicesDone}/${SLICES} done, ${study.progress.slicesFailed} failed)`);
    console.log(`progress          ${steps.map((x) => `${x.done}@${(x.ms / 1000).toFixed(1)}s`).join(' ')}`);
    console.log(
      `GPU worker during the study: ${executions} executions, mean batch ${((studyBatchAfter.sum - studyBatchBefore.sum) / Math.max(1, executions)).toFixed(2)}, ` +
        `compute ${s(studyComputeMs)} of ${s(doneMs)} (${((100 * studyComputeMs) / doneMs).toFixed(0)}% busy)`,
    );
    console.log('');
    console.log(`study             ${studyRate.toFixed(2)} slices/s (commit to completed)${Number.isFinite(steadyRate) ? `; ${steadyRate.toFixed(2)} slices/s from first slice done to completed` : ''}`);
    for (const [label, b] of [['before', before], ['after', after]] as const) {
      console.log(
        `GPU worker alone  ${b.slicesPerSecond.toFixed(2)} slices/s ${label} the study (${SLICES} inputs, ${POOL_SLICES_PER_CALL} per infer() call, ${inFlight} calls in flight; mean batch ${b.meanBatch.toFixed(2)}, compute ${s(b.computeMs)} of ${s(b.elapsedMs)})`,
      );
    }
    console.log(`ratio             ${ratio.toFixed(3)} study / GPU worker alone (mean of before and after, ${baseline.toFixed(2)} slices/s); target >= ${TARGET_RATIO}: ${ratio >= TARGET_RATIO ? 'meets target' : 'BELOW target'}`);
    for (const d of dicomOut) {
      console.log(`GET .../${d.kind.padEnd(3)}       ${d.ms.map((x) => `${x.toFixed(0)} ms`).join(', then ')} (through the Worker, built from the stored masks), ${d.bytes >= 2 ** 20 ? mb(d.bytes) : `${(d.bytes / 1024).toFixed(1)} KiB`}`);
    }
    console.log('');
    console.log(`edge memory       before upload: ${memoryLine(memBefore)}`);
    console.log(`                  after completed: ${memoryLine(memAfter)}`);
    console.log(`                  peak VmRSS seen while polling: ${mb(peakRss)}`);
    console.log(`noise             ${cores} cores shared by workerd, the GPU worker and this client (and whatever else runs here); load average now ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  } finally {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(`study benchmark failed: ${err.stack ?? err.message}`);
  process.exitCode = 1;
});
