/**
 * What the DICOM results of a 120-slice series cost: the SEG and SR sizes, and the time to build
 * them from the masks a study stores (a 0/255 infection PNG and a lung label PNG per slice, as
 * the queue consumer writes them), as GET .../seg and the DICOMweb export do. The baseline, timed
 * in the same process, is decoding those 240 PNGs alone, which any build must do; the ratio says
 * what composing, packing and writing the objects adds. Then dciodvfy (dicom3tools) on both
 * objects, summarised. Real slices: the 100 of a pseudo-labelled CT volume in ../shared/data and
 * its first 20 again, resized to 512x512, the infection from its pseudo-label and the lung from the
 * shared lung mask (in HU, the JPEGs' window undone). Run from the repository root:
 *
 *     npm run bench:dicom-out -- [runs]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resizeBilinear } from '../../shared/image/resize-bilinear.js';
import { resizeNearest } from '../../shared/image/resize-nearest.js';
import { lungMaskFromHounsfield } from '../../shared/lung/lung-mask-hounsfield.js';
import { decodeGray } from '../../models/evaluate/load-slices.js';
import { decodePng } from '../src/decode/png.js';
import { derivedUid } from '../src/dicom-out/derived-uid.js';
import { buildSegmentation, packMask, type SegSourceSlice } from '../src/dicom-out/seg-build.js';
import { buildStructuredReport } from '../src/dicom-out/sr-build.js';
import { encodeGrayPng } from '../src/imaging/encode-png.js';

const node = process;
const RUNS = Number(node.argv[2] ?? 5);
const SLICES = 120;
const SIZE = 512;
/** 100 slices: the series is them, then its first 20 again (further along z), to make 120. */
const VOLUME = 'Data-1_coronacases_org_001';
const VOLUME_SLICES = 100;
const DATA = `${node.cwd()}/../shared/data/covid-semiseg/pseudo`;

function median(ms: number[]): number {
  const s = [...ms].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number[]; out: T }> {
  let out = await fn(); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    out = await fn();
    ms.push(performance.now() - t0);
  }
  return { ms, out };
}

// The stored masks, as the consumer stores them.
const stored: { infection: Uint8Array; lung: Uint8Array }[] = [];
let infectedSlices = 0;
let lungSlices = 0;
for (let i = 0; i < SLICES; i++) {
  const n = (i % VOLUME_SLICES) + 1;
  const image = resizeBilinear(decodeGray(new Uint8Array(readFileSync(`${DATA}/images/${VOLUME}_${n}.jpg`)), 'x.jpg'), SIZE, SIZE);
  const label = decodeGray(new Uint8Array(readFileSync(`${DATA}/masks/${VOLUME}_${n}.png`)), 'x.png');
  const infection = resizeNearest(label, SIZE, SIZE).data.map((v) => (v > 127 ? 255 : 0));
  if (infection.some((v) => v !== 0)) infectedSlices++;
  // The pseudo-labelled JPEGs were windowed at center 108, width 2306 (ct-slice.test-support.ts): undone to HU.
  const hu = { width: SIZE, height: SIZE, data: Float32Array.from(image.data, (g) => (g / 255) * 2306 + 108 - 1153) };
  const lungMask = lungMaskFromHounsfield(hu, { pixelSpacingMm: [0.7, 0.7] });
  if (lungMask.found) lungSlices++;
  const lung = lungMask.labels.map((v) => (v !== 0 ? 1 : 0));
  stored.push({
    infection: await encodeGrayPng({ width: SIZE, height: SIZE, data: infection }),
    lung: await encodeGrayPng({ width: SIZE, height: SIZE, data: lung }),
  });
}

const decodeAll = (): Uint8Array[][] => stored.map((s) => [s.infection, s.lung].map((png) => decodePng(png).data as Uint8Array));
const uids = {
  seg: { seriesInstanceUID: await derivedUid('bench', 'seg-series'), sopInstanceUID: await derivedUid('bench', 'seg'), dimensionOrganizationUID: await derivedUid('bench', 'dim') },
  sr: { seriesInstanceUID: await derivedUid('bench', 'sr-series'), sopInstanceUID: await derivedUid('bench', 'sr'), deviceObserverUID: await derivedUid('bench', 'device'), trackingUID: (g: string) => derivedUid('bench', g) },
};
const patientStudy = { patientName: 'Bench^Series', patientID: 'BENCH-1', studyDate: '20200101', studyTime: '120000', studyID: '1', characterSetDecoded: true };
const model = { name: 'bsnet', version: '1.2.0' };

function segFrom(slices: SegSourceSlice[]): Uint8Array {
  return buildSegmentation({
    studyInstanceUID: '1.2.826.0.1.3680043.10.1337.1',
    patientStudy,
    source: { seriesInstanceUID: '1.2.826.0.1.3680043.10.1337.2', seriesNumber: 2, frameOfReferenceUID: '1.2.826.0.1.3680043.10.1337.4', rows: SIZE, columns: SIZE, imageOrientationPatient: [1, 0, 0, 0, 1, 0], pixelSpacing: [0.7, 0.7], sliceThickness: 2.5, slices },
    uids: uids.seg,
    createdAt: Date.UTC(2026, 11, 2),
    model,
    softwareVersion: 'bsnet-api 0.1.0',
  });
}

async function srFor(slices: SegSourceSlice[]): Promise<Uint8Array> {
  const v = { lungVolumeMl: 4210.5, infectedVolumeMl: 512.25, involvementPercent: 12.17, band: 2 };
  return buildStructuredReport({
    studyInstanceUID: '1.2.826.0.1.3680043.10.1337.1',
    patientStudy,
    source: { seriesInstanceUID: '1.2.826.0.1.3680043.10.1337.2', seriesNumber: 2, instances: slices.map((s) => ({ sopClassUID: s.sopClassUID, sopInstanceUID: s.sopInstanceUID })) },
    seg: { seriesInstanceUID: uids.seg.seriesInstanceUID, sopInstanceUID: uids.seg.sopInstanceUID, infectionSegment: 1, lungSegment: 2 },
    measurements: { ...v, left: v, right: v },
    uids: uids.sr,
    createdAt: Date.UTC(2026, 11, 2),
    model,
    softwareVersion: 'bsnet-api 0.1.0',
  });
}

const sourceSlices = (masks: Uint8Array[][]): SegSourceSlice[] =>
  masks.map(([infection, lung], i) => ({
    sopClassUID: '1.2.840.10008.5.1.4.1.1.2',
    sopInstanceUID: `1.2.826.0.1.3680043.10.1337.3.${i + 1}`,
    imagePositionPatient: [-179.2, -179.2, -100 + 2.5 * i],
    infection: packMask(infection!),
    lung: packMask(lung!),
  }));

const baseline = await timed(decodeAll);
const full = await timed(async () => {
  const slices = sourceSlices(decodeAll());
  return { seg: segFrom(slices), sr: await srFor(slices) };
});
const packed = sourceSlices(decodeAll());
const segOnly = await timed(() => segFrom(packed));
const srOnly = await timed(() => srFor(packed));
const { seg, sr } = full.out;

const frames = packed.reduce((n, s) => n + (s.infection.some((b) => b !== 0) ? 1 : 0) + (s.lung.some((b) => b !== 0) ? 1 : 0), 0);
const row = (name: string, ms: number[], extra = '') => console.log(`${name.padEnd(58)} ${median(ms).toFixed(1).padStart(8)} ms  (min ${Math.min(...ms).toFixed(1)}, max ${Math.max(...ms).toFixed(1)})  ${(median(ms) / median(baseline.ms)).toFixed(2)}x${extra}`);
console.log(`DICOM results of a ${SLICES}-slice ${SIZE}x${SIZE} series (${VOLUME} 1-${VOLUME_SLICES} then 1-${SLICES - VOLUME_SLICES}, ${infectedSlices} slices with infection, ${lungSlices} with two lungs): median of ${RUNS} runs after a warm-up, Node ${node.version}\n`);
console.log(`${'step'.padEnd(58)} ${'median'.padStart(11)}                       vs baseline`);
row('baseline: decode the 240 stored mask PNGs', baseline.ms, '');
row('GET .../seg + .../sr work: decode, pack, SEG, SR', full.ms);
row('  SEG alone (from packed masks: compose + dcmjs write)', segOnly.ms);
row('  SR alone (compose + dcmjs write)', srOnly.ms);
console.log(`\nSEG: ${seg.length} bytes (${(seg.length / 1024 / 1024).toFixed(2)} MiB), ${frames} frames (infection ${packed.filter((s) => s.infection.some((b) => b !== 0)).length}, lung ${packed.filter((s) => s.lung.some((b) => b !== 0)).length}); unpacked 1 byte/pixel it would be ${((frames * SIZE * SIZE) / 1024 / 1024).toFixed(1)} MiB`);
console.log(`SR: ${sr.length} bytes (${(sr.length / 1024).toFixed(1)} KiB), 6 measurement groups`);
console.log(`the stored mask PNGs: ${stored.reduce((n, s) => n + s.infection.length + s.lung.length, 0)} bytes`);
// In a fresh process, so lazily freed buffers of the runs above do not count (seg-memory-probe.ts).
const probe = JSON.parse(execFileSync(node.execPath, ['--expose-gc', '--import', 'tsx', 'edge/bench/seg-memory-probe.ts'], { encoding: 'utf8' })) as { heldBytes: number; fileBytes: number; packedMaskBytes: number };
console.log(`memory of a SEG build of 240 frames (fresh process, heap + ArrayBuffers right after it, after a GC; V8 frees ArrayBuffers lazily, so this counts the writer's scratch buffers too: about its peak): ${(probe.heldBytes / 2 ** 20).toFixed(1)} MiB, of which the file ${(probe.fileBytes / 2 ** 20).toFixed(1)} MiB; the packed masks it reads (held before it): ${(probe.packedMaskBytes / 2 ** 20).toFixed(1)} MiB`);

// dciodvfy on both, summarised: errors listed, warnings counted by text.
const dir = mkdtempSync(join(tmpdir(), 'bsnet-dicom-out-bench-'));
try {
  for (const [name, bytes] of [['SEG', seg], ['SR', sr]] as const) {
    const file = join(dir, `${name}.dcm`);
    writeFileSync(file, bytes);
    // dciodvfy reports on stderr and exits 0 even with errors: read both streams.
    const run = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
    if (run.error) throw run.error;
    const output = `${run.stdout}${run.stderr}`;
    const lines = output.split('\n').filter((l) => l.trim() !== '');
    const errors = lines.filter((l) => l.startsWith('Error'));
    const warnings = new Map<string, number>();
    for (const l of lines.filter((x) => x.startsWith('Warning'))) warnings.set(l, (warnings.get(l) ?? 0) + 1);
    console.log(`\ndciodvfy ${name}: ${errors.length} errors, ${[...warnings.values()].reduce((a, b) => a + b, 0)} warnings${errors.length ? `\n  ${errors.join('\n  ')}` : ''}`);
    for (const [w, n] of warnings) console.log(`  ${n}x ${w}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
