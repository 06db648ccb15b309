/**
 * Benchmark: the edge's JPEG decode (decodeJpeg: luma only, DCT-domain scaling, EXIF turn)
 * against jpeg-js (full colour decode plus RGB-to-luma, the old path) on a CT slice, a 2000x2000
 * gray slice and 12 MP 4:2:0 phone photos, baseline and progressive. Prints median time and the
 * peak memory growth of one decode in a fresh process.
 *
 *   npm run bench:jpeg -- [--runs N]
 *
 * Needs /usr/bin/python3 with PIL and numpy to write the inputs (the photos are the decoder
 * tests' own, from pil-jpegs.test-support.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import jpeg from 'jpeg-js';
import { decodeJpeg } from '../src/decode/jpeg.js';
import { makePilJpegs } from '../src/decode/jpeg-luma/pil-jpegs.test-support.js';

const proc = process;

/** How many timed runs per input (after one warm-up). */
const runsArg = proc.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(proc.argv[runsArg + 1]) : 0;

const HERE = fileURLToPath(import.meta.url);
const SLICE = fileURLToPath(new URL('../../../shared/data/covid-semiseg/test/images/18.jpg', import.meta.url));

/** The inputs, written by PIL: a real slice at 512x512, a 2000x2000 gray slice, 12 MP photos. */
/** The two gray inputs, written by PIL: a real slice at 512x512 and upscaled to 2000x2000. */
const MAKE_GRAY_INPUTS = `
import sys, numpy as np
from PIL import Image
d, src = sys.argv[1], sys.argv[2]
im = Image.open(src).convert('L')
im.resize((512, 512), Image.BICUBIC).save(d + '/slice-512.jpg', quality=90)
rng = np.random.default_rng(1)
g = np.asarray(im.resize((2000, 2000), Image.BICUBIC), np.float32) + rng.normal(0, 2, (2000, 2000))
Image.fromarray(np.clip(g, 0, 255).astype(np.uint8)).save(d + '/gray-2000.jpg', quality=90)
`;

const INPUTS = [
  { file: 'slice-512.jpg', what: 'CT slice 512x512 gray', runs: 21 },
  { file: 'gray-2000.jpg', what: 'slice 2000x2000 gray', runs: 9 },
  { file: 'photo.jpg', what: 'photo 4000x3000 4:2:0 baseline', runs: 5 },
  { file: 'photo-prog.jpg', what: 'photo 4000x3000 4:2:0 progressive', runs: 5 },
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
  const bytes = readFileSync(path);
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
  const dir = mkdtempSync('/tmp/bench-jpeg-');
  const photos = makePilJpegs(true);
  try {
    const made = spawnSync('/usr/bin/python3', ['-c', MAKE_GRAY_INPUTS, dir, SLICE], { encoding: 'utf8' });
    if (made.status !== 0 || typeof photos === 'string') {
      throw new Error(`writing the inputs needs /usr/bin/python3 with PIL and numpy: ${typeof photos === 'string' ? photos : made.stderr.trim().split('\n').pop()}`);
    }
    for (const name of ['photo.jpg', 'photo-prog.jpg']) writeFileSync(`${dir}/${name}`, photos.file(name));
    const rows: string[][] = [['input', 'bytes', 'decoder', 'output', 'median ms', 'peak RSS growth MB', 'old 40 MiB budget']];
    for (const input of INPUTS) {
      const path = `${dir}/${input.file}`;
      const bytes = readFileSync(path);
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
    rmSync(dir, { recursive: true, force: true });
    if (typeof photos !== 'string') photos.dispose();
  }
}

const measureAt = proc.argv.indexOf('--measure');
if (measureAt > 0) await measureChild(proc.argv[measureAt + 1] as DecoderName, proc.argv[measureAt + 2]!);
else await main();
