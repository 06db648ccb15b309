/**
 * Run by dicom-out-bench.ts in a fresh process (node --expose-gc): the memory in use right after
 * one SEG build of 120 slices of 512x512 (both segments in every slice, 240 frames), less what was
 * in use before it. V8 releases ArrayBuffers lazily, so the writer's scratch buffers still count:
 * the figure is close to the build's peak. A fresh process, so other work's garbage does not.
 * Prints JSON.
 */
import { buildSegmentation, packMask, type SegSourceSlice } from '../src/dicom-out/seg-build.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const held = (): number => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const SIZE = 512;
const SLICES = 120;
// A lung-sized disc per slice, its infection a smaller one: the frames are all non-empty.
const disc = (r: number) => packMask(Uint8Array.from({ length: SIZE * SIZE }, (_, i) => ((i % SIZE) - 256) ** 2 + (Math.floor(i / SIZE) - 256) ** 2 < r * r ? 1 : 0));
const lung = disc(200);
const infection = disc(60);
const slices: SegSourceSlice[] = Array.from({ length: SLICES }, (_, i) => ({
  sopClassUID: '1.2.840.10008.5.1.4.1.1.2',
  sopInstanceUID: `1.2.826.0.1.3680043.10.1337.3.${i + 1}`,
  imagePositionPatient: [-179.2, -179.2, -100 + 2.5 * i],
  infection: infection.slice(),
  lung: lung.slice(),
}));
const before = held();
const file = buildSegmentation({
  studyInstanceUID: '1.2.826.0.1.3680043.10.1337.1',
  patientStudy: undefined,
  source: { seriesInstanceUID: '1.2.826.0.1.3680043.10.1337.2', frameOfReferenceUID: '1.2.826.0.1.3680043.10.1337.4', rows: SIZE, columns: SIZE, imageOrientationPatient: [1, 0, 0, 0, 1, 0], pixelSpacing: [0.7, 0.7], slices },
  uids: { seriesInstanceUID: '2.25.1', sopInstanceUID: '2.25.2', dimensionOrganizationUID: '2.25.3' },
  createdAt: 0,
  model: { name: 'bsnet', version: '1.2.0' },
  softwareVersion: 'bsnet-api 0.1.0',
});
const after = held();
console.log(JSON.stringify({ heldBytes: after - before, fileBytes: file.length, packedMaskBytes: slices.length * (infection.length + lung.length) }));
