/**
 * Times the lung masks per 512x512 slice (median of N runs after warm-up) against a baseline
 * timed in the same process: the edge's own per-slice preprocessing of the same slice
 * (toGray8 with the lung window, then toModelInput to the network's input size), so the ratio
 * says what the lung mask adds to a slice's CPU time whatever the machine. Real slices from
 * ../shared/data (covid-semiseg JPEGs resized to 512; HU through the inverse lung window).
 * Run from the repository root:
 *
 *     npm run bench:lung -- [runs]
 */
import { readFileSync } from 'node:fs';
import type { GrayImage } from '../../shared/image/gray-image.js';
import { resizeBilinear } from '../../shared/image/resize-bilinear.js';
import { lungMaskFromGray8 } from '../../shared/lung/lung-mask-gray8.js';
import { lungMaskFromHounsfield } from '../../shared/lung/lung-mask-hounsfield.js';
import { decodeGray } from '../../models/evaluate/load-slices.js';
import { grayToHounsfield } from '../../models/lung/lung-coverage.js';
import type { DecodedImage } from '../src/decode/decoded-image.js';
import { toModelInput } from '../src/imaging/model-input.js';
import { toGray8 } from '../src/imaging/to-gray8.js';
import { LUNG_MASK_MAX_SIDE, sliceLungMask } from '../src/lung/slice-lung.js';
import { resizeNearest } from '../../shared/image/resize-nearest.js';

/** Dice of two label images' lungs (any nonzero label), at the same size. */
function lungDice(a: Uint8Array, b: Uint8Array): number {
  let both = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i]) na++;
    if (b[i]) nb++;
    if (a[i] && b[i]) both++;
  }
  return na + nb === 0 ? 1 : (2 * both) / (na + nb);
}

const node = process;
const INPUT_SIZE = 352; // the shipped model's input (models/bsnet.manifest.json); only the bench fixes it
const RUNS = Number(node.argv[2] ?? 30);
const DATA = `${node.cwd()}/../shared/data/covid-semiseg`;
const SLICES = ['test/images/18.jpg', 'train/images/13.jpg', 'train/images/54.jpg'];

function median(fn: () => unknown): { median: number; min: number; max: number } {
  fn();
  fn(); // warm-up: let V8 optimise before measuring
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[ms.length >> 1]!, min: ms[0]!, max: ms[ms.length - 1]! };
}

function slice512(path: string): GrayImage {
  return resizeBilinear(decodeGray(new Uint8Array(readFileSync(`${DATA}/${path}`)), path), 512, 512);
}

const rows: string[][] = [];
for (const path of SLICES) {
  const gray = slice512(path);
  const hu = grayToHounsfield(gray);
  const decoded: DecodedImage = { kind: 'hounsfield', width: 512, height: 512, data: hu.data, invert: false };
  const dicom = { ...decoded, geometry: { modality: 'CT', pixelSpacingMm: [0.7, 0.7] as [number, number], imageOrientationPatient: [1, 0, 0, 0, 1, 0] as [number, number, number, number, number, number] } };
  const base = median(() => toModelInput(toGray8(decoded), INPUT_SIZE));
  const steps: [string, () => { found: boolean; failure?: string }][] = [
    ['baseline: toGray8 + toModelInput', () => ({ found: true })],
    ['lungMaskFromGray8', () => lungMaskFromGray8(gray)],
    ['lungMaskFromHounsfield (0.7 mm)', () => lungMaskFromHounsfield(hu)],
    [`edge: sliceLungMask, made at ${LUNG_MASK_MAX_SIDE}`, () => sliceLungMask(dicom, toGray8(dicom)).mask],
  ];
  for (const [step, fn] of steps) {
    const t = step.startsWith('baseline') ? base : median(fn);
    const out = fn();
    let agreement = '';
    if (step.startsWith('edge')) {
      // The edge's labels at the upload's size against the full-size mask: what the shrinking costs.
      const small = sliceLungMask(dicom, toGray8(dicom)).mask;
      const up = resizeNearest({ width: small.width, height: small.height, data: small.labels }, 512, 512).data;
      agreement = `, lung Dice vs full size ${lungDice(up, lungMaskFromHounsfield(hu, { pixelSpacingMm: [0.7, 0.7] }).labels).toFixed(4)}`;
    }
    rows.push([path, step, t.median.toFixed(2), t.min.toFixed(2), t.max.toFixed(2), `${(t.median / base.median).toFixed(1)}x`, (out.found ? 'two lungs' : `not found: ${out.failure}`) + agreement]);
  }
}

const header = ['slice (resized to 512x512)', 'step', 'median ms', 'min ms', 'max ms', 'vs baseline', 'result'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((c) => c[i]!.length)));
const line = (c: string[]): string => c.map((v, i) => (i >= 2 && i <= 5 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ');
console.log(`lung mask per slice: median of ${RUNS} runs after 2 warm-ups, Node ${node.version}\n`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const c of rows) console.log(line(c));
