/**
 * A study's lung involvement end to end: a CT series in HU with a realistic field (256 pixels of
 * 1.4 mm) through the real Worker, queue consumer and GPU worker, its per-series lung and
 * infected volumes, percentages, bands and most involved slice checked against the same shared
 * lung code run here on the same files, and the per-slice figures they are built from.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import UPNG from 'upng-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeCodecWasm } from '../../edge/src/decode/dicom/codecs/codec-wasm.node.js';
import { toGray8 } from '../../edge/src/imaging/to-gray8.js';
import { sliceLungMask } from '../../edge/src/lung/slice-lung.js';
import { involvementBand } from '../../edge/src/studies/series-involvement.js';
import { StudyView } from '../../edge/src/studies/study-schemas.js';
import { decodeUpload } from '../../edge/src/upload/decode-upload.js';
import { classifyUpload } from '../../edge/src/upload/read-slices.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { ctSeries, readBytes, stowBody } from './study-fixtures.js';

const PIXEL_MM = 1.4;
const SPACING_MM = 2.5;
let stack: EdgeStack;
let dir: string;
let files: Uint8Array[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bsnet-study-lung-'));
  stack = await startEdgeStack();
  files = (await ctSeries(dir, { from: 30, count: 6, size: 256, spacingMm: SPACING_MM, pixelSpacingMm: PIXEL_MM })).map(readBytes);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Lung pixels per side of each file, by the shared lung code on the file decoded here. */
async function oracle(bytes: Uint8Array): Promise<{ left: number; right: number }> {
  const decoded = await decodeUpload(classifyUpload(bytes, 'application/dicom', 'x'), nodeCodecWasm);
  const { mask, sides } = sliceLungMask(decoded, toGray8(decoded));
  if (!mask.found || !sides) throw new Error(`oracle: no two lungs with sides (${mask.failure})`);
  const count = (label: number) => mask.labels.reduce((n, l) => n + (l === label ? 1 : 0), 0);
  return { left: count(sides.left), right: count(sides.right) };
}

describe('a study’s lung involvement', () => {
  it('gives lung and infected volumes per lung, the percentage and band of each, and the most involved slice', async () => {
    const key = await stack.key('acme');
    const auth = { authorization: `Bearer ${key}` };
    const created = await stack.fetch('/v1/studies', { method: 'POST', body: '{}', headers: { ...auth, 'content-type': 'application/json' } });
    const { id } = (await created.json()) as { id: string };
    const stow = stowBody(files);
    expect((await stack.fetch(`/v1/studies/${id}/instances`, { method: 'POST', body: stow.body, headers: { ...auth, 'content-type': stow.type } })).status).toBe(200);
    expect((await stack.fetch(`/v1/studies/${id}/commit`, { method: 'POST', headers: auth })).status).toBe(202);
    let study: StudyView;
    for (const started = Date.now(); ; ) {
      study = StudyView.parse(await (await stack.fetch(`/v1/studies/${id}`, { headers: auth })).json());
      if (study.status === 'completed' || study.status === 'failed') break;
      if (Date.now() - started > 90_000) throw new Error(`study still ${study.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(study.status).toBe('completed');
    const series = study.series[0]!;
    const lung = series.results!.lung!;

    const counts = await Promise.all(files.map(oracle));
    const voxelMl = (PIXEL_MM * PIXEL_MM * SPACING_MM) / 1000;
    const left = counts.reduce((n, c) => n + c.left, 0);
    const right = counts.reduce((n, c) => n + c.right, 0);
    expect(lung).toMatchObject({ slicesWithLungs: 6, lobes: 'not_segmented' });
    expect(lung.left!.lungVolumeMl).toBeCloseTo(left * voxelMl, 2);
    expect(lung.right!.lungVolumeMl).toBeCloseTo(right * voxelMl, 2);
    expect(lung.lungVolumeMl).toBeCloseTo((left + right) * voxelMl, 2);
    // A real chest: each lung of these six 2.5 mm slices holds some tens of mL.
    expect(lung.left!.lungVolumeMl).toBeGreaterThan(20);
    expect(lung.right!.lungVolumeMl).toBeGreaterThan(20);
    for (const part of [lung, lung.left!, lung.right!]) {
      expect(part.involvementPercent).toBeCloseTo((100 * part.infectedVolumeMl) / part.lungVolumeMl, 1);
      expect(part.band).toBe(involvementBand(part.involvementPercent!));
    }
    expect(lung.infectedVolumeMl).toBeLessThanOrEqual(series.results!.infectedVolumeMl! + 1e-9);
    // The most involved slice is the one whose own lung share is largest.
    const shares = series.slices.map((s) => s.lung!.infectedShare ?? 0);
    const top = series.slices[shares.indexOf(Math.max(...shares))]!;
    if (Math.max(...shares) > 0) {
      expect(lung.mostInvolvedSlice).toBe(top.sopInstanceUID);
      expect(lung.mostInvolvedShare).toBeCloseTo(top.lung!.infectedShare!, 3);
    } else expect(lung.mostInvolvedSlice).toBeNull();
    for (const s of series.slices) expect(s.lung).toMatchObject({ found: true, infectedShare: expect.any(Number), leftInfectedShare: expect.any(Number), rightInfectedShare: expect.any(Number) });

    // The mask URL answers the label maps too: the lung alone holds as many pixels as the oracle's lungs.
    const first = series.slices[0]!;
    const png = async (query: string) => {
      const res = await stack.fetch(`${first.maskUrl}${query}`, { headers: auth });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      const img = UPNG.decode(await res.arrayBuffer());
      const rgba = new Uint8Array(UPNG.toRGBA8(img)[0]!);
      const counts = new Map<number, number>();
      for (let i = 0; i < rgba.length; i += 4) counts.set(rgba[i]!, (counts.get(rgba[i]!) ?? 0) + 1);
      return counts;
    };
    const order = series.slices.map((s) => s.sopInstanceUID);
    const oracleFirst = counts[files.findIndex((_, i) => order[0]!.endsWith(`.${i + 1}`))] ?? counts[0]!;
    const lungOnly = await png('?labels=lung');
    expect([...lungOnly.keys()].sort()).toEqual([0, 1]);
    expect(lungOnly.get(1)).toBe(oracleFirst.left + oracleFirst.right);
    const both = await png('?labels=lung,infection');
    expect(both.get(2) ?? 0).toBe(first.infectedPixels);
    const infection = await png('');
    expect(infection.get(255) ?? 0).toBe(first.infectedPixels);
    const bad = await stack.fetch(`${first.maskUrl}?labels=heart`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid_parameter', field: 'labels' });
  }, 150_000);
});
