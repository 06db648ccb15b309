/**
 * Benchmark: the edge's JPEG decode (decodeJpeg: luma only, DCT-domain scaling, EXIF turn)
 * against jpeg-js (full colour decode plus RGB-to-luma, the old path) on a CT slice, a 2000x2000
 * gray slice and 12 MP 4:2:0 phone photos, baseline and progressive. Prints median time and the
 * peak memory growth of one decode in a fresh process.
 *
 *   npx tsx edge/src/decode/jpeg-luma/bench-jpeg.ts [--runs N]
 *
 * Needs /usr/bin/python3 with PIL and numpy to write the inputs. A Node script that lives beside
 * the decoder but is type-checked with the Worker's tsconfig (no Node types there), so Node
 * modules come through non-literal dynamic imports with the few signatures it uses typed here;
 * nothing imports it, so it never reaches the Worker bundle.
 */
import jpeg from 'jpeg-js';
import { decodeJpeg } from '../jpeg.js';

interface NodeProcess {
  argv: string[];
  execPath: string;
  memoryUsage: { rss(): number };
  exitCode?: number;
}
interface Fs {
  readFileSync(path: string): Uint8Array;
  mkdtempSync(prefix: string): string;
  rmSync(path: string, opts: { recursive: boolean; force: boolean }): void;
}
interface ChildProcess {
  spawnSync(cmd: string, args: string[], opts: { encoding: 'utf8' }): { status: number | null; stdout: string; stderr: string };
}
interface WorkerThreads {
  Worker: new (code: string, opts: { eval: true; workerData: unknown }) => { once(event: 'online' | 'exit', fn: () => void): void };
}

const proc = (globalThis as unknown as { process: NodeProcess }).process;
const load = async <T>(name: string): Promise<T> => (await import(name)) as T;

/** How many timed runs per input (after one warm-up). */
const runsArg = proc.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(proc.argv[runsArg + 1]) : 0;

/** This script's own path (tsx puts it in argv[1]; the Worker's ImportMeta has no url). */
const HERE = proc.argv[1]!;
const SLICE = new URL('../../../../../shared/data/covid-semiseg/test/images/18.jpg', `file://${HERE}`).pathname;

/** The inputs, written by PIL: a real slice at 512x512, a 2000x2000 gray slice, 12 MP photos. */
const MAKE_INPUTS = `
import sys, numpy as np
from PIL import Image
d, src = sys.argv[1], sys.argv[2]
im = Image.open(src).convert('L')
im.resize((512, 512), Image.BICUBIC).save(d + '/slice-512.jpg', quality=90)
rng = np.random.default_rng(1)
g = np.asarray(im.resize((2000, 2000), Image.BICUBIC), np.float32) + rng.normal(0, 2, (2000, 2000))
Image.fromarray(np.clip(g, 0, 255).astype(np.uint8)).save(d + '/gray-2000.jpg', quality=90)
g = np.asarray(im.resize((3000, 3000), Image.BICUBIC), np.float32)
canvas = np.zeros((3000, 4000, 3), np.float32)
for c, (gain, off) in enumerate([(0.95, 10), (0.9, 5), (0.85, 20)]):
    canvas[:, 500:3500, c] = g * gain + off
canvas[:, :500] = np.linspace(30, 90, 500)[None, :, None]
canvas[:, 3500:] = np.linspace(90, 30, 500)[None, :, None]
canvas += rng.normal(0, 4, canvas.shape)
photo = Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8), 'RGB')
exif = Image.Exif()
exif[0x0112] = 6
photo.save(d + '/photo-12mp.jpg', quality=90, subsampling=2, exif=exif.tobytes())
photo.save(d + '/photo-12mp-prog.jpg', quality=90, subsampling=2, progressive=True, exif=exif.tobytes())
`;

const INPUTS = [
  { file: 'slice-512.jpg', what: 'CT slice 512x512 gray', runs: 21 },
  { file: 'gray-2000.jpg', what: 'slice 2000x2000 gray', runs: 9 },
  { file: 'photo-12mp.jpg', what: 'photo 4000x3000 4:2:0 baseline', runs: 5 },
  { file: 'photo-12mp-prog.jpg', what: 'photo 4000x3000 4:2:0 progressive', runs: 5 },
];

type DecoderName = 'edge' | 'jpeg-js';

/** One decode; returns the output size. jpeg-js gets all the memory it asks for, to show its cost. */
function decodeWith(name: DecoderName, bytes: Uint8Array, memoryMB = 4096): string {
  if (name === 'edge') {
    const img = decodeJpeg(bytes);
    return `${img.width}x${img.height}`;
  }
  const rgb = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: 100, maxMemoryUsageInMB: memoryMB });
  const gray = new Uint8Array(rgb.width * rgb.height);
  for (let i = 0, p = 0; i < gray.length; i++, p += 3) gray[i] = (rgb.data[p]! * 19595 + rgb.data[p + 1]! * 38470 + rgb.data[p + 2]! * 7471 + 0x8000) >>> 16;
  return `${rgb.width}x${rgb.height}`;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Child mode: one cold decode while a worker thread samples the process's resident memory. */
async function measureChild(name: DecoderName, path: string): Promise<void> {
  const fs = await load<Fs>('node:fs');
  const { Worker } = await load<WorkerThreads>('node:worker_threads');
  const bytes = fs.readFileSync(path);
  const shared = new Int32Array(new SharedArrayBuffer(8)); // [stop flag, peak RSS in KiB]
  const sampler = new Worker(
    `const { workerData: s } = require('node:worker_threads');
     while (Atomics.load(s, 0) === 0) {
       const kb = Math.round(process.memoryUsage.rss() / 1024);
       if (kb > Atomics.load(s, 1)) Atomics.store(s, 1, kb);
       Atomics.wait(s, 0, 0, 0.2);
     }`,
    { eval: true, workerData: shared },
  );
  await new Promise<void>((resolve) => sampler.once('online', resolve));
  await new Promise((resolve) => setTimeout(resolve, 50));
  (globalThis as unknown as { gc?: () => void }).gc?.();
  const before = proc.memoryUsage.rss();
  Atomics.store(shared, 1, 0);
  decodeWith(name, bytes);
  const after = proc.memoryUsage.rss();
  Atomics.store(shared, 0, 1);
  await new Promise<void>((resolve) => sampler.once('exit', resolve));
  console.log(JSON.stringify({ peakMB: (Math.max(after, Atomics.load(shared, 1) * 1024) - before) / 2 ** 20 }));
}

async function main(): Promise<void> {
  const fs = await load<Fs>('node:fs');
  const { spawnSync } = await load<ChildProcess>('node:child_process');
  const dir = fs.mkdtempSync('/tmp/bench-jpeg-');
  try {
    const made = spawnSync('/usr/bin/python3', ['-c', MAKE_INPUTS, dir, SLICE], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`writing the inputs needs /usr/bin/python3 with PIL and numpy: ${made.stderr.trim().split('\n').pop()}`);
    const rows: string[][] = [['input', 'bytes', 'decoder', 'output', 'median ms', 'peak RSS growth MB', 'old 40 MiB budget']];
    for (const input of INPUTS) {
      const path = `${dir}/${input.file}`;
      const bytes = fs.readFileSync(path);
      for (const name of ['edge', 'jpeg-js'] as const) {
        const output = decodeWith(name, bytes); // warm-up
        const times: number[] = [];
        for (let i = 0; i < (RUNS || input.runs); i++) {
          const t0 = performance.now();
          decodeWith(name, bytes);
          times.push(performance.now() - t0);
        }
        const child = spawnSync(proc.execPath, ['--expose-gc', '--import', 'tsx', HERE, '--measure', name, path], { encoding: 'utf8' });
        const peak = child.status === 0 ? (JSON.parse(child.stdout.trim().split('\n').pop()!) as { peakMB: number }).peakMB.toFixed(1) : 'failed';
        let old = '';
        if (name === 'jpeg-js') {
          try {
            decodeWith(name, bytes, 40); // what jpeg.ts allowed before (JPEG_DECODER_MEMORY_MB)
            old = 'decoded';
          } catch {
            old = 'refused (413)';
          }
        }
        rows.push([input.what, String(bytes.length), name, output, median(times).toFixed(1), peak, old]);
      }
    }
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const [i, r] of rows.entries()) {
      console.log(r.map((cell, c) => (c >= 4 && c <= 5 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  '));
      if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    }
    console.log(`\nedge = decodeJpeg (luma only, scale picked for JPEG_MAX_DECODED_PIXELS, EXIF applied); jpeg-js = full RGB decode + BT.601 luma.`);
    console.log(`median of ${RUNS || 'per-input'} runs after one warm-up; peak RSS growth = one cold decode in a fresh process, sampled`);
    console.log('every 0.2 ms (below ~5 MB it is mostly compiled code, not pixels). old 40 MiB budget: whether jpeg.ts before this change decoded it.');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const measureAt = proc.argv.indexOf('--measure');
if (measureAt > 0) await measureChild(proc.argv[measureAt + 1] as DecoderName, proc.argv[measureAt + 2]!);
else await main();
