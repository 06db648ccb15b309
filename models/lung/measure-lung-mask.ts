/**
 * Measures both lung-mask methods on covid-semiseg (train and test, read in place from
 * ../shared/data): the share of radiologist infection pixels inside the lung mask (pixel-weighted,
 * and the worst slice), the same with the lungs widened by 2 px, how often two lungs were found,
 * and the mean time per slice. Writes overlays of the worst and of some ordinary slices to
 * .bench/lung-overlays/. Run from the repository root:
 *
 *     npm run measure:lung
 */
import { join } from 'node:path';
import { listSlices, loadSlice, type Slice } from '../evaluate/load-slices.js';
import { measureSlice, summarise, type LungMethod, type SliceCoverage } from './lung-coverage.js';
import { writeLungOverlay } from './lung-overlay.js';

const node = process;
const DATA = join(node.cwd(), '../shared/data/covid-semiseg');
const OVERLAYS = join(node.cwd(), '.bench/lung-overlays');
const METHODS: LungMethod[] = ['intensity', 'hounsfield'];
/** Overlays per set and method: the worst slices, then every n-th ordinary one. */
const WORST_OVERLAYS = 4;
const SAMPLE_EVERY = 12;

async function loadSet(set: string): Promise<Slice[]> {
  const files = await listSlices(join(DATA, set, 'images'), join(DATA, set, 'masks'));
  return Promise.all(files.map(loadSlice));
}

const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;

async function main(): Promise<void> {
  const sets = { train: await loadSet('train'), test: await loadSet('test') };
  const header = ['method', 'set', 'slices', 'two lungs', 'infection inside', 'inside +2 px', 'median slice', 'worst slice', 'mean ms'];
  const table: string[][] = [];
  const failures: string[] = [];
  for (const method of METHODS) {
    // Warm-up, so the first slice's time is not V8 compiling.
    for (const s of sets.train.slice(0, 3)) measureSlice(method, s.name, s.image, s.mask);
    const all: SliceCoverage[] = [];
    for (const [set, slices] of Object.entries(sets)) {
      const rows: SliceCoverage[] = [];
      const masks = new Map<string, ReturnType<typeof measureSlice>['mask']>();
      for (const s of slices) {
        const { coverage, mask } = measureSlice(method, `${set}/${s.name}`, s.image, s.mask);
        rows.push(coverage);
        masks.set(s.name, mask);
        if (!coverage.found) failures.push(`${method} ${set}/${s.name}: ${coverage.failure}`);
      }
      all.push(...rows);
      table.push(row(method, set, rows));
      const share = (r: SliceCoverage): number => (r.infectionPixels ? r.inside / r.infectionPixels : 1);
      const worst = [...rows].sort((a, b) => share(a) - share(b)).slice(0, WORST_OVERLAYS);
      const picks = new Set([...worst.map((r) => r.name.split('/')[1]!), ...slices.filter((_, i) => i % SAMPLE_EVERY === 0).map((s) => s.name)]);
      for (const s of slices) {
        if (!picks.has(s.name)) continue;
        const r = rows.find((x) => x.name === `${set}/${s.name}`)!;
        await writeLungOverlay(join(OVERLAYS, `${method}-${set}-${s.name}-${Math.round(1000 * share(r))}.png`), s.image, masks.get(s.name)!, s.mask);
      }
    }
    table.push(row(method, 'train+test', all));
  }
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((c) => c[i]!.length)));
  const line = (c: string[]): string => c.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  console.log(`lung masks on covid-semiseg (infection pixels inside the lung mask, pixel-weighted), Node ${node.version}\n`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of table) console.log(line(c));
  if (failures.length) console.log(`\ntwo lungs not found:\n  ${failures.join('\n  ')}`);
  console.log(`\noverlays (slice, lung 1 cyan, lung 2 yellow, infection red; file name ends in the per-mille inside): ${OVERLAYS}`);
}

function row(method: string, set: string, rows: SliceCoverage[]): string[] {
  const s = summarise(rows);
  return [method, set, String(s.slices), `${s.found} (${pct(s.found / s.slices)})`, pct(s.share), pct(s.shareDilated), pct(s.medianSliceShare), `${s.worst.name} ${pct(s.worst.share)}`, s.meanMs.toFixed(1)];
}

await main();
