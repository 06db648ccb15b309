/**
 * Test support for the study tests: CT series in HU with full geometry, made from consecutive
 * slices of one pseudo-labelled volume (as one file per slice, or as one enhanced CT instance
 * with a frame per slice), and the STOW-RS request body a DICOMweb client sends.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { concatBytes } from '../../shared/concat-bytes.js';
import { ctSliceDicom, enhancedCtDicom, PSEUDO_JPEG_WINDOW, type EnhancedCtOptions } from '../../edge/src/decode/dicom/ct-slice.test-support.js';
import { dataPath } from './fixtures.js';

export const VOLUME = 'Data-1_coronacases_org_001';

export interface SeriesOptions {
  /** First slice number of the volume, then consecutive ones. */
  from: number;
  count: number;
  size: number;
  spacingMm: number;
  /** Added to the InstanceNumbers (which also name the SOP Instance UIDs), so series do not collide. */
  instanceBase?: number;
  seriesInstanceUID?: string;
  /** z of the first slice in mm; default -100. */
  firstZ?: number;
  /** Pixel Spacing in mm; default 0.7. A lung mask needs a realistic field (about 350 mm across). */
  pixelSpacingMm?: number;
}

export const volumeSlice = (n: number): string => fileURLToPath(dataPath(`covid-semiseg/pseudo/images/${VOLUME}_${n}.jpg`));

/** The series' files, in acquisition order (z rising by spacingMm). */
export async function ctSeries(dir: string, o: SeriesOptions): Promise<string[]> {
  const paths: string[] = [];
  for (let i = 0; i < o.count; i++) {
    const n = o.from + i;
    paths.push(
      await ctSliceDicom({
        jpegPath: fileURLToPath(dataPath(`covid-semiseg/pseudo/images/${VOLUME}_${n}.jpg`)),
        outPath: join(dir, `${o.seriesInstanceUID ?? 'main'}-${n}.dcm`),
        storage: 'unsigned-intercept',
        size: o.size,
        sourceWindow: PSEUDO_JPEG_WINDOW,
        instanceNumber: (o.instanceBase ?? 0) + i + 1,
        positionZ: (o.firstZ ?? -100) + i * o.spacingMm,
        ...(o.seriesInstanceUID ? { seriesInstanceUID: o.seriesInstanceUID } : {}),
        ...(o.pixelSpacingMm !== undefined ? { pixelSpacingMm: o.pixelSpacingMm } : {}),
      }),
    );
  }
  return paths;
}

/**
 * The same series as ctSeries (slice i at z = firstZ + i x spacing) as one enhanced CT instance,
 * its frames stored in `storedOrder`: frame f (from 1) holds slice storedOrder[f - 1].
 */
export async function enhancedCtSeries(
  dir: string,
  o: Omit<SeriesOptions, 'count' | 'instanceBase'> & { storedOrder: number[] } & Pick<EnhancedCtOptions, 'sopInstanceUID' | 'modality' | 'noPositions' | 'perFrameRescaleIntercept'>,
): Promise<string> {
  return enhancedCtDicom({
    jpegPaths: o.storedOrder.map((i) => volumeSlice(o.from + i)),
    positionsZ: o.storedOrder.map((i) => (o.firstZ ?? -100) + i * o.spacingMm),
    outPath: join(dir, `enhanced-${o.sopInstanceUID ?? 'default'}.dcm`),
    sourceWindow: PSEUDO_JPEG_WINDOW,
    size: o.size,
    ...(o.seriesInstanceUID ? { seriesInstanceUID: o.seriesInstanceUID } : {}),
    ...(o.sopInstanceUID ? { sopInstanceUID: o.sopInstanceUID } : {}),
    ...(o.modality ? { modality: o.modality } : {}),
    ...(o.noPositions ? { noPositions: true } : {}),
    ...(o.perFrameRescaleIntercept !== undefined ? { perFrameRescaleIntercept: o.perFrameRescaleIntercept } : {}),
    ...(o.pixelSpacingMm !== undefined ? { pixelSpacingMm: o.pixelSpacingMm } : {}),
  });
}

export const readBytes = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

/** A STOW-RS request body (PS3.18 10.5): multipart/related, one application/dicom part per instance. */
export function stowBody(instances: Uint8Array[], boundary = 'DICOMwebBoundary42'): { body: Uint8Array<ArrayBuffer>; type: string } {
  const enc = new TextEncoder();
  const parts = instances.flatMap((bytes) => [enc.encode(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), bytes, enc.encode('\r\n')]);
  return { body: concatBytes([...parts, enc.encode(`--${boundary}--\r\n`)]) as Uint8Array<ArrayBuffer>, type: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}
