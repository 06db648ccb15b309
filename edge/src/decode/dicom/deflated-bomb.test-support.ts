/**
 * Test support: a deflated-DICOM decompression bomb made from a real file. pydicom's image_dfl.dcm
 * (Deflated Explicit VR Little Endian) keeps its preamble and file meta; its dataset is inflated,
 * given a Data Set Trailing Padding element (FFFC,FFFC) of zeros (a padding element PS3.10 allows
 * at the end of any dataset), and deflated again at level 9, so a ~1 MB upload can inflate to 1 GiB.
 * Each size is built once per test file.
 */
import { readFileSync } from 'node:fs';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { concat, el } from './dicom-builder.test-support.js';
import { DATA } from './dicom-outcome.test-support.js';

/** Where image_dfl.dcm's deflated dataset starts: 128-byte preamble, 'DICM', (0002,0000) UL, then the meta group. */
function datasetOffset(file: Uint8Array): number {
  return 144 + new DataView(file.buffer, file.byteOffset).getUint32(140, true);
}

/** The file's dataset as it inflates (the real one, a little over 256 KiB). */
export function realDeflatedDataset(): { file: Uint8Array; start: number; dataset: Uint8Array } {
  const file = new Uint8Array(readFileSync(new URL('image_dfl.dcm', DATA)));
  const start = datasetOffset(file);
  return { file, start, dataset: new Uint8Array(inflateRawSync(file.subarray(start))) };
}

/**
 * image_dfl.dcm with `paddingBytes` of trailing padding in its deflated dataset.
 *
 * @example const bomb = deflatedDicomBomb(1024 * MiB); // ~1 MB file, > 1 GiB inflated
 */
const built = new Map<number, Uint8Array>();

export function deflatedDicomBomb(paddingBytes: number): Uint8Array {
  const done = built.get(paddingBytes);
  if (done) return done;
  const { file, start, dataset } = realDeflatedDataset();
  const head = concat(dataset, el(0xfffcfffc, 'OB', new Uint8Array(0)));
  // The element above was written with length 0; patch in the real length, then the zeros follow.
  new DataView(head.buffer).setUint32(head.length - 4, paddingBytes, true);
  // Buffer.alloc is calloc'd: only the pages the real dataset is copied into are touched.
  const whole = Buffer.alloc(head.length + paddingBytes);
  whole.set(head);
  const bomb = concat(file.subarray(0, start), new Uint8Array(deflateRawSync(whole, { level: 9 })));
  built.set(paddingBytes, bomb);
  return bomb;
}
