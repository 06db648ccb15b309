/**
 * Studies end to end on the real Worker (workerd, miniflare's D1, R2, Durable Objects and
 * Queues) with a real GPU worker on 127.0.0.1: a CT series made from consecutive slices of one
 * pseudo-labelled volume, in HU with full geometry and in two transfer syntaxes, uploaded
 * shuffled over several calls (STOW-RS multipart/related, multipart/form-data, one bare
 * application/dicom) with a localizer, a second series and damaged files mixed in; committed,
 * processed through the queue, read back in patient order with volumes; then deleted.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressDicom, requireDicomTools } from '../../edge/src/decode/dicom/compressed-fixtures.test-support.js';
import { ctSliceDicom } from '../../edge/src/decode/dicom/ct-slice.test-support.js';
import { mulberry32 } from '../../shared/seeded-random.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { dataPath, dicom } from './fixtures.js';
import { stowBody } from './study-fixtures.js';

const VOLUME = 'Data-1_coronacases_org_001';
/** Slices 40..47 of one volume, 2.5 mm apart (head-first: z rises with the slice number). */
const SLICES = Array.from({ length: 8 }, (_, i) => 40 + i);
const SPACING_MM = 2.5;
const PIXEL_MM = 0.7;

let stack: EdgeStack;
let key: string;
let dir: string;
const files = new Map<string, Uint8Array>();

beforeAll(async () => {
  requireDicomTools();
  dir = await mkdtemp(join(tmpdir(), 'bsnet-study-'));
  stack = await startEdgeStack();
  key = await stack.key('acme');
  for (const [i, n] of SLICES.entries()) {
    const path = await ctSliceDicom({
      jpegPath: fileURLToPath(dataPath(`covid-semiseg/pseudo/images/${VOLUME}_${n}.jpg`)),
      outPath: join(dir, `s${n}.dcm`),
      storage: 'unsigned-intercept',
      size: 128,
      instanceNumber: i + 1,
      positionZ: -100 + i * SPACING_MM,
    });
    // Half the series JPEG-LS compressed, as a PACS might mix.
    files.set(`slice ${i + 1}`, new Uint8Array(readFileSync(i % 2 ? await compressDicom(path, 'jpeg-ls-lossless', dir) : path)));
  }
  const localizer = await ctSliceDicom({
    jpegPath: fileURLToPath(dataPath(`covid-semiseg/pseudo/images/${VOLUME}_1.jpg`)),
    outPath: join(dir, 'loc.dcm'),
    storage: 'unsigned-intercept',
    size: 128,
    instanceNumber: 900,
    imageType: 'ORIGINAL\\PRIMARY\\LOCALIZER',
  });
  files.set('localizer', new Uint8Array(readFileSync(localizer)));
  for (const [i, n] of [60, 61].entries()) {
    const path = await ctSliceDicom({
      jpegPath: fileURLToPath(dataPath(`covid-semiseg/pseudo/images/${VOLUME}_${n}.jpg`)),
      outPath: join(dir, `b${n}.dcm`),
      storage: 'signed',
      size: 128,
      instanceNumber: 200 + i,
      positionZ: i * 5,
      seriesInstanceUID: '2.25.4242.2',
    });
    files.set(`second ${i + 1}`, new Uint8Array(readFileSync(path)));
  }
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const auth = (k = key) => ({ authorization: `Bearer ${k}` });

async function createStudy(body: object = {}, headers: Record<string, string> = {}): Promise<Response> {
  return stack.fetch('/v1/studies', { method: 'POST', body: JSON.stringify(body), headers: { ...auth(), 'content-type': 'application/json', ...headers } });
}

async function waitFor(id: string, done: (s: any) => boolean, timeoutMs = 60_000): Promise<any> {
  const started = Date.now();
  for (;;) {
    const res = await stack.fetch(`/v1/studies/${id}`, { headers: auth() });
    const body = (await res.json()) as any;
    if (done(body)) return body;
    if (Date.now() - started > timeoutMs) throw new Error(`study ${id} still ${JSON.stringify(body.status)} after ${timeoutMs} ms: ${JSON.stringify(body.progress)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('a study from upload to results', () => {
  it('takes a shuffled series over several calls, skips what is not a slice, and answers per series in patient order', async () => {
    const created = await createStudy({ externalId: 'case-17' });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect(id).toMatch(/^st_[a-z2-7]{26}$/);
    expect(created.headers.get('location')).toBe(`/v1/studies/${id}`);

    const next = mulberry32(3);
    const series = SLICES.map((_, i) => `slice ${i + 1}`).sort(() => next() - 0.5);
    // Call 1, STOW-RS: half the series, a damaged copy and a non-image.
    const damaged = files.get(series[0]!)!.slice(0, 700);
    const stow = stowBody([...series.slice(0, 4).map((n) => files.get(n)!), damaged, dicom('rtplan.dcm')]);
    const first = await stack.fetch(`/v1/studies/${id}/instances`, { method: 'POST', body: stow.body, headers: { ...auth(), 'content-type': stow.type } });
    expect(first.status).toBe(200);
    const r1 = (await first.json()) as any;
    expect(r1).toMatchObject({ accepted: 4, rejected: 2 });
    expect(r1.rejections.map((r: any) => [r.index, r.code])).toEqual([[4, 'image_truncated'], [5, 'no_pixel_data']]);

    // Call 2, multipart/form-data: the rest, a duplicate, the second series and the localizer.
    const form = new FormData();
    for (const n of [...series.slice(4), series[1]!, 'second 1', 'second 2', 'localizer']) form.append('file', new Blob([files.get(n)! as Uint8Array<ArrayBuffer>], { type: 'application/dicom' }), 'x.dcm');
    const second = await stack.fetch(`/v1/studies/${id}/instances`, { method: 'POST', body: form, headers: auth() });
    const r2 = (await second.json()) as any;
    expect(r2).toMatchObject({ accepted: 7, rejected: 1 });
    expect(r2.rejections[0]).toMatchObject({ index: 4, code: 'duplicate_instance' });

    // Another tenant sees nothing of it.
    const other = await stack.key('globex');
    expect((await stack.fetch(`/v1/studies/${id}`, { headers: auth(other) })).status).toBe(404);
    expect((await stack.fetch(`/v1/studies/${id}/commit`, { method: 'POST', headers: auth(other) })).status).toBe(404);

    const commit = await stack.fetch(`/v1/studies/${id}/commit`, { method: 'POST', headers: auth() });
    expect(commit.status).toBe(202);
    expect(await commit.json()).toMatchObject({ id, status: 'queued', slicesQueued: 10 });
    expect((await stack.fetch(`/v1/studies/${id}/commit`, { method: 'POST', headers: auth() })).status).toBe(409);
    const late = await stack.fetch(`/v1/studies/${id}/instances`, { method: 'POST', body: files.get('slice 1')! as Uint8Array<ArrayBuffer>, headers: { ...auth(), 'content-type': 'application/dicom' } });
    expect(late.status).toBe(409);

    const study = await waitFor(id, (s) => s.status === 'completed' || s.status === 'failed');
    expect(study).toMatchObject({ id, status: 'completed', externalId: 'case-17', progress: { slicesTotal: 10, slicesDone: 10, slicesFailed: 0 } });
    const main = study.series.find((s: any) => s.seriesInstanceUID !== '2.25.4242.2');
    expect(main).toMatchObject({ modality: 'CT', sliceCount: 8, orderedBy: 'position', spacingFrom: 'positions', pixelSpacing: [PIXEL_MM, PIXEL_MM] });
    expect(main.sliceSpacingMm).toBeCloseTo(SPACING_MM, 6);
    expect(main.skipped).toEqual([{ sopInstanceUID: expect.any(String), reason: expect.stringMatching(/^localizer/) }]);
    // Patient order: positions rising, whatever order they came in.
    const positions = main.slices.map((s: any) => s.positionMm);
    expect(positions).toEqual([...positions].sort((a: number, b: number) => a - b));
    expect(main.slices.map((s: any) => s.state)).toEqual(Array(8).fill('done'));
    const infected = main.slices.reduce((sum: number, s: any) => sum + s.infectedPixels, 0);
    expect(main.results.infectedVolumeMl).toBeCloseTo((infected * PIXEL_MM * PIXEL_MM * SPACING_MM) / 1000, 2);
    for (const s of main.slices) expect(s.infectedAreaMm2).toBeCloseTo(s.infectedPixels * PIXEL_MM * PIXEL_MM, 1);
    const secondSeries = study.series.find((s: any) => s.seriesInstanceUID === '2.25.4242.2');
    expect(secondSeries).toMatchObject({ sliceCount: 2, sliceSpacingMm: 5 });

    // A mask is a PNG of the slice's size.
    const mask = await stack.fetch(main.slices[3].maskUrl, { headers: auth() });
    expect([mask.status, mask.headers.get('content-type')]).toEqual([200, 'image/png']);
    const png = new Uint8Array(await mask.arrayBuffer());
    expect(new DataView(png.buffer).getUint32(16)).toBe(128);

    // Uploads are gone once processed; masks stay until the study goes.
    const left = await stack.env.STUDIES.list({ prefix: `studies/acme/${id}/` });
    expect(left.objects.map((o) => o.key.split('/')[3]).every((kind) => kind === 'mask')).toBe(true);
    expect((await stack.fetch(`/v1/studies/${id}`, { method: 'DELETE', headers: auth() })).status).toBe(204);
    expect((await stack.env.STUDIES.list({ prefix: `studies/acme/${id}/` })).objects).toEqual([]);
    expect((await stack.fetch(`/v1/studies/${id}`, { headers: auth() })).status).toBe(404);
    expect((await stack.fetch(main.slices[3].maskUrl, { headers: auth() })).status).toBe(404);
  }, 180_000);
});

describe('study creation', () => {
  it('an Idempotency-Key returns the same study for the same body, 409 for another', async () => {
    const a = await createStudy({ externalId: 'x' }, { 'idempotency-key': 'order-991' });
    const b = await createStudy({ externalId: 'x' }, { 'idempotency-key': 'order-991' });
    expect([a.status, b.status]).toEqual([201, 200]);
    expect(((await b.json()) as any).id).toBe(((await a.json()) as any).id);
    const c = await createStudy({ externalId: 'y' }, { 'idempotency-key': 'order-991' });
    expect(c.status).toBe(409);
    expect(await c.json()).toMatchObject({ code: 'idempotency_key_reused', field: 'idempotency-key' });
  });

  it('refuses a bad body naming the field, and unknown or malformed ids are 404', async () => {
    const bad = await createStudy({ callbackUrl: 'ftp://example.com/x' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid_parameter', field: 'callbackUrl' });
    expect((await createStudy({ nonsense: 1 })).status).toBe(400);
    for (const id of ['st_aaaaaaaaaaaaaaaaaaaaaaaaaa', 'nope', '../x']) {
      expect((await stack.fetch(`/v1/studies/${id}`, { headers: auth() })).status, id).toBe(404);
    }
  });

  it('takes a zip of instances (what a PACS export or a phone app uploads), skipping DICOMDIR', async () => {
    const { id } = (await (await createStudy()).json()) as { id: string };
    const zipPath = join(dir, 'series.zip');
    const names = ['slice 1', 'slice 2', 'slice 3'];
    names.forEach((n, i) => writeFileSync(join(dir, `z${i}.dcm`), files.get(n)!));
    writeFileSync(join(dir, 'DICOMDIR'), files.get('slice 1')!);
    const script = 'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:\n    for p in sys.argv[2:]: z.write(p, "IMG/" + p.split("/")[-1])\n';
    const made = spawnSync('/usr/bin/python3', ['-c', script, zipPath, join(dir, 'DICOMDIR'), ...names.map((_, i) => join(dir, `z${i}.dcm`))]);
    expect(made.status, String(made.stderr)).toBe(0);
    const res = await stack.fetch(`/v1/studies/${id}/instances`, { method: 'POST', body: readFileSync(zipPath), headers: { ...auth(), 'content-type': 'application/zip' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 3, rejected: 0 });
    // The same slices went through the first study: the tenant's cache answers them, no inference.
    expect((await stack.fetch(`/v1/studies/${id}/commit`, { method: 'POST', headers: auth() })).status).toBe(202);
    const study = await waitFor(id, (s) => s.status === 'completed');
    expect(study.series[0].slices.map((s: any) => s.cached)).toEqual([true, true, true]);
  });

  it('a study with nothing to segment fails at commit', async () => {
    const { id } = (await (await createStudy()).json()) as { id: string };
    const commit = await stack.fetch(`/v1/studies/${id}/commit`, { method: 'POST', headers: auth() });
    expect(await commit.json()).toMatchObject({ status: 'failed', slicesQueued: 0 });
  });
});
