/**
 * Benchmark: decodeDicom on one 512x512 CT slice in HU (12 bits stored, unsigned with intercept
 * -1024, the usual scanner storage) uncompressed and in every compressed syntax the project's
 * fixtures make (DCMTK / GDCM, compressed-fixtures.test-support.ts) plus HTJ2K (OpenJPH's encoder,
 * htj2k-fixture.test-support.ts), in this Node process with the Node codec wasm. Per syntax:
 * file size, the first (cold) decode, then after 2 warm-up decodes the median and p90 wall time and
 * the median CPU time (process.cpuUsage, user + system: what the Workers CPU limit counts) of N
 * decodes, their ratio to the uncompressed decode, the largest |HU| difference from the
 * uncompressed decode, and memory: heap and ArrayBuffer growth over one warm decode (after a GC,
 * result held, no GC after: allocation of one decode, garbage included), RSS growth over the cold
 * and warm-up decodes, and the codec's wasm linear memory after decoding.
 *
 *   npm run bench:dicom -- [--runs N]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decodeDicom } from '../src/decode/dicom/decode-dicom.js';
import { nodeCodecWasm } from '../src/decode/dicom/codecs/codec-wasm.node.js';
import type { CodecWasm } from '../src/decode/dicom/codecs/codec-wasm.js';
import { compressDicom, LOSSLESS, missingTools, SYNTAX_UID, type CompressedSyntax } from '../src/decode/dicom/compressed-fixtures.test-support.js';
import { ctSliceDicom } from '../src/decode/dicom/ct-slice.test-support.js';
import { htj2kDicom } from '../src/decode/dicom/htj2k-fixture.test-support.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`--runs must be a positive integer, got ${values.runs}`);
const WARMUP = 2;
const MiB = 1024 * 1024;

// A GC before each memory reading: --expose-gc if node was started with it, else turned on here.
let gcFrom = 'node --expose-gc';
let gc: () => unknown;
if (globalThis.gc) gc = globalThis.gc;
else {
  setFlagsFromString('--expose-gc');
  gc = runInNewContext('gc') as () => void;
  gcFrom = "v8.setFlagsFromString('--expose-gc') at start";
}

// The codec instances' linear memory is private to emscripten-codec.ts (no accessor), so catch
// each instance's exported memory as it is made, keyed by the compiled module it came from.
// Also count the instantiations and time them (WebAssembly.instantiate only, not emscripten's start-up).
const memories = new Map<WebAssembly.Module, WebAssembly.Memory>();
const instantiations = { count: 0, ms: 0 };
const instantiate = WebAssembly.instantiate.bind(WebAssembly);
WebAssembly.instantiate = (async (source: WebAssembly.Module | Uint8Array, imports?: WebAssembly.Imports) => {
  const t = performance.now();
  const result: unknown = await instantiate(source as WebAssembly.Module, imports);
  instantiations.count++;
  instantiations.ms += performance.now() - t;
  const instance = result instanceof WebAssembly.Instance ? result : (result as { instance: WebAssembly.Instance }).instance;
  const memory = Object.values(instance.exports).find((e): e is WebAssembly.Memory => e instanceof WebAssembly.Memory);
  if (memory && source instanceof WebAssembly.Module) memories.set(source, memory);
  return result;
}) as typeof WebAssembly.instantiate;

const missing = missingTools();
if (missing.length) throw new Error(`this bench needs DCMTK and GDCM (apt-get install dcmtk libgdcm-tools); missing: ${missing.join(', ')}`);

type Row = CompressedSyntax | 'uncompressed' | 'htj2k-lossless' | 'htj2k-lossy';
const WASM: Partial<Record<Row, keyof CodecWasm>> = {
  'jpeg-ls-lossless': 'charls',
  'jpeg-ls-near': 'charls',
  'j2k-lossless': 'openjpeg',
  'j2k-lossy': 'openjpeg',
  'htj2k-lossless': 'openjph',
  'htj2k-lossy': 'openjph',
};

const dir = await mkdtemp(join(tmpdir(), 'bsnet-dicom-bench-'));
const files = new Map<Row, Uint8Array>();
try {
  const jpegPath = new URL('../../../shared/data/covid-semiseg/test/images/18.jpg', import.meta.url).pathname;
  const ct = await ctSliceDicom({ jpegPath, outPath: join(dir, 'ct512-unsigned12.dcm'), storage: 'unsigned-intercept', bitsStored: 12 });
  files.set('uncompressed', new Uint8Array(await readFile(ct)));
  for (const syntax of Object.keys(SYNTAX_UID) as CompressedSyntax[]) files.set(syntax, new Uint8Array(await readFile(await compressDicom(ct, syntax, dir))));
  files.set('htj2k-lossless', new Uint8Array(await readFile(await htj2kDicom(ct, join(dir, 'ct512.htj2k-lossless.dcm')))));
  files.set('htj2k-lossy', new Uint8Array(await readFile(await htj2kDicom(ct, join(dir, 'ct512.htj2k-lossy.dcm'), { lossless: false }))));
} finally {
  await rm(dir, { recursive: true, force: true });
}

const decode = (bytes: Uint8Array) => decodeDicom(bytes, { wasm: nodeCodecWasm });
const hu = async (bytes: Uint8Array): Promise<Float32Array> => {
  const image = await decode(bytes);
  if (image.kind !== 'hounsfield') throw new Error(`expected a hounsfield image, got ${image.kind}`);
  return image.data;
};
const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

interface Result {
  row: Row;
  bytes: number;
  coldMs: number;
  coldInstantiates: boolean;
  medianMs: number;
  p90Ms: number;
  cpuUs: number;
  maxDiff: number;
  heapMiB: number;
  abMiB: number;
  rssMiB: number;
  wasmMiB: number | undefined;
  /** Codec instantiations per timed decode, and the mean WebAssembly.instantiate time. */
  instPerRun: number;
  instMs: number;
}

const reference = await (async () => {
  // Decoded once before anything is measured, as the pixel reference (also warms decodeDicom's JS).
  return hu(files.get('uncompressed')!);
})();
const instantiated = new Set<keyof CodecWasm>();
const results: Result[] = [];

for (const [row, bytes] of files) {
  gc();
  const rss0 = process.memoryUsage().rss;
  const codecName = WASM[row];
  const coldInstantiates = codecName !== undefined && !instantiated.has(codecName);
  if (codecName) instantiated.add(codecName);
  let t = performance.now();
  const first = await hu(bytes);
  const coldMs = performance.now() - t;
  for (let i = 0; i < WARMUP; i++) await decode(bytes);
  gc();
  const rssMiB = (process.memoryUsage().rss - rss0) / MiB;

  const before = process.memoryUsage();
  const held = await decode(bytes);
  const after = process.memoryUsage();
  void held;

  const wall: number[] = [];
  const cpu: number[] = [];
  const inst0 = { ...instantiations };
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    t = performance.now();
    await decode(bytes);
    wall.push(performance.now() - t);
    const used = process.cpuUsage(c);
    cpu.push(used.user + used.system);
  }
  const instCount = instantiations.count - inst0.count;
  const instMs = instCount ? (instantiations.ms - inst0.ms) / instCount : 0;
  wall.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);

  let maxDiff = 0;
  for (let i = 0; i < reference.length; i++) maxDiff = Math.max(maxDiff, Math.abs(first[i]! - reference[i]!));
  if (first.length !== reference.length) throw new Error(`${row}: ${first.length} pixels, the uncompressed slice has ${reference.length}`);
  if ((row === 'htj2k-lossless' || (LOSSLESS as readonly Row[]).includes(row)) && maxDiff !== 0) throw new Error(`${row} is lossless but differs from the uncompressed decode by ${maxDiff} HU`);

  const memory = codecName ? memories.get(await nodeCodecWasm[codecName]()) : undefined;
  results.push({
    row,
    bytes: bytes.length,
    coldMs,
    coldInstantiates,
    medianMs: quantile(wall, 0.5),
    p90Ms: quantile(wall, 0.9),
    cpuUs: quantile(cpu, 0.5),
    maxDiff,
    heapMiB: (after.heapUsed - before.heapUsed) / MiB,
    abMiB: (after.arrayBuffers - before.arrayBuffers) / MiB,
    rssMiB,
    wasmMiB: memory ? memory.buffer.byteLength / MiB : undefined,
    instPerRun: instCount / runs,
    instMs,
  });
}

const cpu0 = cpus()[0];
console.log(`${cpu0?.model ?? 'unknown CPU'}, ${cpus().length} cores; Node ${process.version}; GC via ${gcFrom}`);
console.log(`decodeDicom, 512x512 CT slice (12 bits stored, unsigned, intercept -1024), ${WARMUP} warm-up then ${runs} runs; ratios to uncompressed`);
const base = results[0]!;
const header = ['syntax', 'KiB', 'size', 'cold ms', 'median ms', 'p90 ms', 'x raw', 'cpu ms', 'cpu x raw', 'max|dHU|', 'heap MiB', 'ab MiB', 'rss MiB', 'wasm MiB', 'inst/run', 'inst ms'];
const rows = results.map((r) => [
  r.row,
  (r.bytes / 1024).toFixed(0),
  `${((r.bytes / base.bytes) * 100).toFixed(0)}%`,
  `${r.coldMs.toFixed(1)}${r.coldInstantiates ? '*' : ''}`,
  r.medianMs.toFixed(2),
  r.p90Ms.toFixed(2),
  (r.medianMs / base.medianMs).toFixed(1),
  (r.cpuUs / 1000).toFixed(2),
  (r.cpuUs / base.cpuUs).toFixed(1),
  r.maxDiff === 0 ? '0' : r.maxDiff.toFixed(0),
  r.heapMiB.toFixed(2),
  r.abMiB.toFixed(2),
  r.rssMiB.toFixed(1),
  r.wasmMiB === undefined ? '-' : r.wasmMiB.toFixed(1),
  r.wasmMiB === undefined ? '-' : r.instPerRun.toFixed(1),
  r.wasmMiB === undefined ? '-' : r.instMs.toFixed(2),
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(line(header));
for (const r of rows) console.log(line(r));
console.log(
  `* cold decode includes instantiating that codec's wasm (the first of its syntaxes here). cpu: median user+system of one decode. ` +
    `heap/ab: growth over one warm decode with its result held (garbage not collected). rss: over the cold + warm-up decodes, after a GC. ` +
    `wasm: the codec instance's linear memory after decoding (it never shrinks). ` +
    `inst/run: codec instantiations per timed decode (emscripten-codec keeps one codec instance, dropped after a failure, a switch to another codec, or heap growth past MAX_HEAP_GROWTH_BYTES); inst ms: mean WebAssembly.instantiate time.`,
);
