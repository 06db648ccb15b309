/**
 * Enhanced (multi-frame) CT in studies, end to end on the real Worker and a real GPU worker: one
 * instance holding a series as frames, their per-frame positions stored out of patient order,
 * becomes one slice per frame, ordered in patient order with the single-frame slices of its
 * series, each inferred alone with its own mask URL; the upload is gone once every frame is
 * settled. Multi-frame instances without per-frame positions, not CT, or of too many frames are
 * left out with their reason.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enhancedCtDicom } from '../../edge/src/decode/dicom/ct-slice.test-support.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { ctSeries, enhancedCtSeries, readBytes, stowBody, volumeSlice } from './study-fixtures.js';

const SPACING_MM = 2.5;
// 128 pixels across a 358 mm field, as a real chest CT has: the lung mask sizes its steps in mm.
const PIXEL_MM = 2.8;
/** Frame f holds slice STORED[f - 1] (slice i at z = -100 + 2.5 i): out of patient order on purpose. */
const STORED = [3, 0, 5, 1, 4, 2];
/** The frames in patient order (z rising): the frame holding slice 0, then slice 1, ... */
const FRAMES_IN_ORDER = STORED.map((_, i) => STORED.indexOf(i) + 1);
const UID = '2.25.329800735698586629295641978511506172918.3';
const ENHANCED = `${UID}.77`;

let stack: EdgeStack;
let key: string;
let dir: string;
const files = new Map<string, Uint8Array>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bsnet-multiframe-'));
  stack = await startEdgeStack();
  key = await stack.key('acme');
  const series = { from: 40, size: 128, spacingMm: SPACING_MM, pixelSpacingMm: PIXEL_MM };
  files.set('enhanced', readBytes(await enhancedCtSeries(dir, { ...series, storedOrder: STORED, sopInstanceUID: ENHANCED })));
  // The same frames with their Modality LUT (intercept -1024) only in the per-frame groups.
  files.set('enhanced, per-frame rescale', readBytes(await enhancedCtSeries(dir, { ...series, storedOrder: STORED, sopInstanceUID: `${UID}.81`, seriesInstanceUID: '2.25.4242.5', perFrameRescaleIntercept: -1024 })));
  // Two single-frame slices of the same series, just above the frames.
  const above = await ctSeries(dir, { from: 46, count: 2, size: 128, spacingMm: SPACING_MM, pixelSpacingMm: PIXEL_MM, firstZ: -100 + 6 * SPACING_MM, instanceBase: 6 });
  above.forEach((path, i) => files.set(`above ${i + 1}`, readBytes(path)));
  // The frames' slices again, one file each, as a series of their own: what each frame must match.
  const single = await ctSeries(dir, { ...series, count: 6, instanceBase: 100, seriesInstanceUID: '2.25.4242.3' });
  single.forEach((path, i) => files.set(`single ${i}`, readBytes(path)));
  files.set('no positions', readBytes(await enhancedCtSeries(dir, { ...series, storedOrder: [0, 1], sopInstanceUID: `${UID}.78`, noPositions: true })));
  files.set('mr', readBytes(await enhancedCtSeries(dir, { ...series, storedOrder: [0, 1], sopInstanceUID: `${UID}.79`, modality: 'MR' })));
  const many = await enhancedCtDicom({ jpegPaths: Array(1001).fill(volumeSlice(40)), outPath: join(dir, 'many.dcm'), size: 8, sopInstanceUID: `${UID}.80` });
  files.set('1001 frames', readBytes(many));
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const auth = () => ({ authorization: `Bearer ${key}` });

async function newStudy(): Promise<string> {
  const res = await stack.fetch('/v1/studies', { method: 'POST', body: '{}', headers: { ...auth(), 'content-type': 'application/json' } });
  return ((await res.json()) as { id: string }).id;
}

async function upload(id: string, names: string[]): Promise<any> {
  const stow = stowBody(names.map((n) => files.get(n)!));
  const res = await stack.fetch(`/v1/studies/${id}/instances`, { method: 'POST', body: stow.body, headers: { ...auth(), 'content-type': stow.type } });
  expect(res.status).toBe(200);
  return res.json();
}

async function commitAndWait(id: string, slicesQueued: number): Promise<any> {
  const commit = await stack.fetch(`/v1/studies/${id}/commit`, { method: 'POST', headers: auth() });
  expect(await commit.json()).toMatchObject({ status: 'queued', slicesQueued });
  const started = Date.now();
  for (;;) {
    const study = (await (await stack.fetch(`/v1/studies/${id}`, { headers: auth() })).json()) as any;
    if (study.status === 'completed' || study.status === 'failed') return study;
    if (Date.now() - started > 90_000) throw new Error(`study ${id} still ${study.status}: ${JSON.stringify(study.progress)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What is left in R2 under the study, by kind ('in' uploads, 'mask' masks). */
async function stored(id: string): Promise<string[]> {
  return (await stack.env.STUDIES.list({ prefix: `studies/acme/${id}/` })).objects.map((o) => o.key.split('/')[3]!);
}

describe('an enhanced CT instance in a study', () => {
  it('alone: every frame is a slice of its own, in patient order, with its own mask, and the upload goes once all are done', async () => {
    const id = await newStudy();
    expect(await upload(id, ['enhanced'])).toMatchObject({ accepted: 1, rejected: 0, instances: [{ index: 0, sopInstanceUID: ENHANCED }] });
    const before = (await (await stack.fetch(`/v1/studies/${id}`, { headers: auth() })).json()) as any;
    expect(before.series[0].slices.map((s: any) => [s.frame, s.state])).toEqual(FRAMES_IN_ORDER.map((f) => [f, 'received']));

    const study = await commitAndWait(id, 6);
    expect(study).toMatchObject({ status: 'completed', progress: { slicesTotal: 6, slicesDone: 6, slicesFailed: 0 } });
    const [series] = study.series;
    expect(series).toMatchObject({ modality: 'CT', sliceCount: 6, orderedBy: 'position', spacingFrom: 'positions', pixelSpacing: [PIXEL_MM, PIXEL_MM], skipped: [] });
    expect(series.sliceSpacingMm).toBeCloseTo(SPACING_MM, 6);
    expect(series.slices.map((s: any) => [s.sopInstanceUID, s.frame, s.positionMm, s.state])).toEqual(
      FRAMES_IN_ORDER.map((frame, i) => [ENHANCED, frame, -100 + i * SPACING_MM, 'done']),
    );
    for (const s of series.slices) expect(s.maskUrl).toBe(`/v1/studies/${id}/slices/${ENHANCED}/frames/${s.frame}/mask`);
    const infected = series.slices.reduce((sum: number, s: any) => sum + s.infectedPixels, 0);
    expect(infected).toBeGreaterThan(0);
    expect(series.results.infectedVolumeMl).toBeCloseTo((infected * PIXEL_MM * PIXEL_MM * SPACING_MM) / 1000, 2);
    const most = series.slices.reduce((a: any, b: any) => (b.infectedPixels > a.infectedPixels ? b : a));
    expect(series.results).toMatchObject({ mostInfectedSlice: ENHANCED, mostInfectedFrame: most.frame, slicesFailed: 0 });

    // A frame's mask is a PNG of the frame's size; the instance without a frame, or a frame it lacks, has none.
    const mask = await stack.fetch(series.slices[2].maskUrl, { headers: auth() });
    expect([mask.status, mask.headers.get('content-type')]).toEqual([200, 'image/png']);
    const png = new Uint8Array(await mask.arrayBuffer());
    expect(new DataView(png.buffer).getUint32(16)).toBe(128);
    for (const path of [`slices/${ENHANCED}/mask`, `slices/${ENHANCED}/frames/7/mask`, `slices/${ENHANCED}/frames/0/mask`]) {
      expect((await stack.fetch(`/v1/studies/${id}/${path}`, { headers: auth() })).status, path).toBe(404);
    }

    // The upload went with its last frame; per frame its mask and its two label maps (lung; lung
    // and infection) stay until the study goes, then nothing.
    expect((await stored(id)).sort()).toEqual(Array(6 * 3).fill('mask'));
    expect((await stack.fetch(`/v1/studies/${id}`, { method: 'DELETE', headers: auth() })).status).toBe(204);
    expect(await stored(id)).toEqual([]);
  }, 180_000);

  it('mixed: frames are ordered with the single-frame slices of their series, each frame inferred as its own slice', async () => {
    const id = await newStudy();
    const names = ['above 2', 'enhanced', 'single 3', 'no positions', 'single 0', 'single 5', '1001 frames', 'single 1', 'above 1', 'mr', 'single 4', 'single 2', 'enhanced, per-frame rescale'];
    const answer = await upload(id, names);
    expect(answer).toMatchObject({ accepted: 12, rejected: 1 });
    expect(answer.rejections).toEqual([{ index: 6, source: expect.any(String), code: 'too_many_frames', reason: expect.stringMatching(/NumberOfFrames \(0028,0008\) is 1001, more than the 1000/) }]);

    const study = await commitAndWait(id, 6 + 2 + 6 + 6);
    expect(study).toMatchObject({ status: 'completed', progress: { slicesTotal: 20, slicesDone: 20, slicesFailed: 0 } });
    const main = study.series.find((s: any) => s.seriesInstanceUID !== '2.25.4242.3');
    const single = study.series.find((s: any) => s.seriesInstanceUID === '2.25.4242.3');
    expect(main).toMatchObject({ sliceCount: 8, orderedBy: 'position' });
    expect(main.sliceSpacingMm).toBeCloseTo(SPACING_MM, 6);
    expect(main.slices.map((s: any) => [s.frame ?? null, s.positionMm])).toEqual([...FRAMES_IN_ORDER, null, null].map((f, i) => [f, -100 + i * SPACING_MM]));
    // Single-frame slices say no frame, as before.
    expect(main.slices.slice(6).map((s: any) => 'frame' in s)).toEqual([false, false]);
    expect(main.skipped).toEqual([
      { sopInstanceUID: `${UID}.78`, reason: expect.stringMatching(/^multi_frame_geometry: frame 1 has no Plane Position Sequence/) },
      { sopInstanceUID: `${UID}.79`, reason: 'not_ct: modality MR' },
    ]);
    const infected = main.slices.reduce((sum: number, s: any) => sum + s.infectedPixels, 0);
    expect(main.results.infectedVolumeMl).toBeCloseTo((infected * PIXEL_MM * PIXEL_MM * SPACING_MM) / 1000, 2);
    // Each frame was decoded as its own slice: the same result as the same slice sent as a file of its own.
    expect(main.slices.slice(0, 6).map((s: any) => s.infectedPixels)).toEqual(single.slices.map((s: any) => s.infectedPixels));
    expect(new Set(single.slices.map((s: any) => s.infectedPixels)).size).toBeGreaterThan(1);
    // Frames whose Modality LUT is only per frame were decoded with it: the same Hounsfield units, the same answers.
    const rescaled = study.series.find((s: any) => s.seriesInstanceUID === '2.25.4242.5');
    expect(rescaled.skipped).toEqual([]);
    expect(rescaled.slices.map((s: any) => s.infectedPixels)).toEqual(single.slices.map((s: any) => s.infectedPixels));
    // And their lung figures too (HU decide the lung mask), per lung since the frames have an orientation.
    expect(rescaled.slices.map((s: any) => s.lung)).toEqual(single.slices.map((s: any) => s.lung));
    expect(single.slices.every((s: any) => s.lung.found && typeof s.lung.leftInfectedShare === 'number')).toBe(true);
    expect(rescaled.results.lung).toEqual({ ...single.results.lung, mostInvolvedSlice: expect.any(String), mostInvolvedFrame: expect.any(Number) });
    expect(rescaled.results.lung.slicesWithLungs).toBe(6);

    expect((await stored(id)).every((kind) => kind === 'mask')).toBe(true);
    expect((await stack.fetch(`/v1/studies/${id}`, { method: 'DELETE', headers: auth() })).status).toBe(204);
    expect(await stored(id)).toEqual([]);
  }, 180_000);
});
