/**
 * Times the edge's image steps (median of N runs after warm-up) on real data from ../shared/data
 * and on synthetic 12 MP images, and prints one table, plus PNG sizes per filter strategy.
 * Run from the repository root:
 *
 *     npm run bench:imaging -- [runs]
 */
import { readFileSync } from 'node:fs';
import { pngOf } from '../../tests/edge/fixtures.js';
import { resizeBilinear } from '../../shared/image/resize-bilinear.js';
import type { GrayImage } from '../../shared/image/gray-image.js';
import type { DecodedImage } from '../src/decode/decoded-image.js';
import { decodeDicom } from '../src/decode/dicom/index.js';
import { decodeJpeg } from '../src/decode/jpeg.js';
import { decodePng } from '../src/decode/png.js';
import { bytesToBase64 } from '../src/imaging/base64.js';
import { encodeGrayPng } from '../src/imaging/encode-png.js';
import { maskStats } from '../src/imaging/mask-stats.js';
import { toModelInput } from '../src/imaging/model-input.js';
import type { PngFilterStrategy } from '../src/imaging/png-row-filters.js';
import { maskFromProbability, probabilityAtOriginalSize } from '../src/imaging/probability-map.js';
import { toGray8 } from '../src/imaging/to-gray8.js';

const node = process;

const INPUT_SIZE = 352; // the shipped model's input (models/bsnet.manifest.json); only the bench fixes it
const RUNS = Number(node.argv[2] ?? 15);
const DATA = `${node.cwd()}/../shared/data`;
const read = (path: string): Uint8Array => new Uint8Array(readFileSync(`${DATA}/${path}`));

// ---- timing -------------------------------------------------------------------------------------

interface Row {
  step: string;
  size: string;
  median: number;
  min: number;
  max: number;
  note: string;
}
const rows: Row[] = [];

async function time<T>(step: string, size: string, fn: () => T | Promise<T>, note: (out: T) => string = () => ''): Promise<T> {
  let out = await fn();
  out = await fn(); // warm-up: let V8 optimise before measuring
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    out = await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  rows.push({ step, size, median: ms[ms.length >> 1]!, min: ms[0]!, max: ms[ms.length - 1]!, note: note(out) });
  return out;
}

const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
const dims = (w: number, h: number): string => `${w}x${h}`;

// ---- inputs -------------------------------------------------------------------------------------


/** A real 8-bit image from ../shared/data (a covid-semiseg JPEG slice or PNG mask), via the repo's decoders. */
function realGray(path: string): GrayImage {
  const bytes = read(path);
  const image = path.endsWith('.png') ? decodePng(bytes) : decodeJpeg(bytes);
  if (image.kind !== 'gray' || image.bitDepth !== 8) throw new Error(`${path}: not 8-bit gray`);
  return { width: image.width, height: image.height, data: image.data as Uint8Array };
}

/**
 * A smooth probability map at the model's input size, shaped like a network answer: a real
 * lesion mask resized to the input and box-blurred (3 passes, radius 3), so its edges ramp
 * over ~20 pixels instead of jumping 0 -> 255.
 */
function smoothProbability(mask: GrayImage): Uint8Array {
  let p = Float32Array.from(resizeBilinear(mask, INPUT_SIZE, INPUT_SIZE).data);
  const n = INPUT_SIZE;
  const r = 3;
  for (let pass = 0; pass < 3; pass++) {
    for (const horizontal of [true, false]) {
      const next = new Float32Array(n * n);
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
          let sum = 0;
          for (let k = -r; k <= r; k++) {
            const xx = horizontal ? Math.min(n - 1, Math.max(0, x + k)) : x;
            const yy = horizontal ? y : Math.min(n - 1, Math.max(0, y + k));
            sum += p[yy * n + xx]!;
          }
          next[y * n + x] = sum / (2 * r + 1);
        }
      }
      p = next;
    }
  }
  return Uint8Array.from(p, (v) => Math.round(v));
}

/** A deterministic 12 MP CT-like slice: a bright disc with texture, values 0..255. */
function synthetic(width: number, height: number): GrayImage {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = Math.hypot((x - width / 2) / width, (y - height / 2) / height);
      data[y * width + x] = d < 0.4 ? 90 + ((x * 7 + y * 13) & 63) : 10;
    }
  }
  return { width, height, data };
}

// ---- the steps ----------------------------------------------------------------------------------

async function main(): Promise<void> {
  // Input side: 16-bit PNG, a real slice upscaled to 512x512 and expanded to 16 bits.
  const slice512 = resizeBilinear(realGray('covid-semiseg/test/images/18.jpg'), 512, 512);
  const png16bytes = pngOf(slice512, 'gray16');
  const decoded16 = await time('PNG 16-bit decode (decodePng)', dims(512, 512), () => decodePng(png16bytes), () => kib(png16bytes.length) + ' in');
  const gray16 = await time('  toGray8 (16 -> 8 bit)', dims(512, 512), () => toGray8(decoded16));
  await time('  toModelInput', `-> ${INPUT_SIZE}`, () => toModelInput(gray16, INPUT_SIZE));

  for (const file of ['image_dfl.dcm', 'CT_small.dcm']) {
    const bytes = read(`dicom/${file}`);
    const decoded = await time(`DICOM ${file} decode`, '', () => decodeDicom(bytes), () => kib(bytes.length) + ' in');
    rows[rows.length - 1]!.size = dims(decoded.width, decoded.height);
    const gray = await time('  toGray8 (lung window)', dims(decoded.width, decoded.height), () => toGray8(decoded, { kind: 'lung' }));
    await time('  toModelInput', `-> ${INPUT_SIZE}`, () => toModelInput(gray, INPUT_SIZE));
  }

  const big = synthetic(4000, 3000);
  await time('12 MP 8-bit gray: toModelInput', dims(4000, 3000), () => toModelInput(big, INPUT_SIZE));
  const hu: DecodedImage = { kind: 'hounsfield', width: 4000, height: 3000, data: Float32Array.from(big.data, (v) => v * 8 - 1024), invert: false };
  await time('12 MP Hounsfield: toGray8 (lung window)', dims(4000, 3000), () => toGray8(hu));

  // Output side: a smooth map at the input size back to 512x512 and 4000x3000.
  const prob = smoothProbability(realGray('covid-semiseg/test/masks/18.png'));
  for (const [w, h] of [
    [512, 512],
    [4000, 3000],
  ] as const) {
    const size = dims(w, h);
    const p = await time('probabilityAtOriginalSize', size, () => probabilityAtOriginalSize(prob, INPUT_SIZE, w, h));
    const mask = await time('  maskFromProbability', size, () => ({ width: w, height: h, data: maskFromProbability(p.data) }));
    await time('  maskStats (pixels, lesions)', size, () => maskStats(mask), (s) => `${s.lesionCount} lesions, ${(100 * s.infectedFraction).toFixed(1)}%`);
    const maskPng = await time('  encodeGrayPng(mask)', size, () => encodeGrayPng(mask), (b) => kib(b.length));
    await time('  bytesToBase64(mask PNG)', size, () => bytesToBase64(maskPng), (s) => kib(s.length));
    await time('  encodeGrayPng(probability)', size, () => encodeGrayPng(p), (b) => kib(b.length));
  }

  printTable();
  await filterTable(prob);
}

function printTable(): void {
  const header = ['step', 'image', 'median ms', 'min ms', 'max ms', 'output'];
  const cells = rows.map((r) => [r.step, r.size, r.median.toFixed(2), r.min.toFixed(2), r.max.toFixed(2), r.note]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => c.map((v, i) => (i >= 2 && i <= 4 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ');
  console.log(`imaging steps: median of ${RUNS} runs after 2 warm-ups, Node ${node.version}\n`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

/** PNG size and encode time per filter, for the choice in encode-png.ts. */
async function filterTable(prob: Uint8Array): Promise<void> {
  const strategies: PngFilterStrategy[] = ['none', 'sub', 'up', 'average', 'paeth', 'adaptive'];
  const cases: [string, GrayImage][] = [];
  for (const [w, h] of [
    [512, 512],
    [4000, 3000],
  ] as const) {
    const p = probabilityAtOriginalSize(prob, INPUT_SIZE, w, h);
    cases.push([`mask ${dims(w, h)}`, { width: w, height: h, data: maskFromProbability(p.data) }], [`probability ${dims(w, h)}`, p]);
  }
  console.log(`\nPNG size / encode ms per filter (median of ${Math.min(RUNS, 5)} runs)\n`);
  const header = ['image', ...strategies];
  const cells: string[][] = [];
  for (const [name, image] of cases) {
    const row = [name];
    for (const filter of strategies) {
      const ms: number[] = [];
      let size = 0;
      for (let i = 0; i < Math.min(RUNS, 5); i++) {
        const t0 = performance.now();
        size = (await encodeGrayPng(image, { filter })).length;
        ms.push(performance.now() - t0);
      }
      ms.sort((a, b) => a - b);
      row.push(`${kib(size)} / ${ms[ms.length >> 1]!.toFixed(1)}`);
    }
    cells.push(row);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => c.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

await main();
