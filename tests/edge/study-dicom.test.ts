/**
 * A study's results as DICOM, checked by the field's own tools: a CT series (and an enhanced CT
 * instance) through the real Worker, queue consumer and GPU worker, then its SEG and SR fetched
 * and handed to dciodvfy (dicom3tools, the DICOM validator: no errors), pydicom (reads both; the
 * SEG's frames, unpacked, are the masks GET .../mask answers for the same slices) and dcmjs (reads
 * them back). The references are checked against the uploaded files themselves.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import dcmjs from 'dcmjs';
import UPNG from 'upng-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInstanceHeader } from '../../edge/src/studies/instance-header.js';
import { StudyView } from '../../edge/src/studies/study-schemas.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { ctSeries, enhancedCtSeries, readBytes, stowBody } from './study-fixtures.js';

const run = promisify(execFile);
const ORACLE = new URL('./oracles/read-dicom-results.py', import.meta.url).pathname;
let stack: EdgeStack;
let dir: string;
let auth: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bsnet-study-dicom-'));
  stack = await startEdgeStack();
  auth = { authorization: `Bearer ${await stack.key('acme')}` };
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function completedStudy(files: Uint8Array[]): Promise<{ id: string; study: StudyView }> {
  const created = await stack.fetch('/v1/studies', { method: 'POST', body: '{}', headers: { ...auth, 'content-type': 'application/json' } });
  const { id } = (await created.json()) as { id: string };
  const stow = stowBody(files);
  expect((await stack.fetch(`/v1/studies/${id}/instances`, { method: 'POST', body: stow.body, headers: { ...auth, 'content-type': stow.type } })).status).toBe(200);
  expect((await stack.fetch(`/v1/studies/${id}/commit`, { method: 'POST', headers: auth })).status).toBe(202);
  for (const started = Date.now(); ; ) {
    const study = StudyView.parse(await (await stack.fetch(`/v1/studies/${id}`, { headers: auth })).json());
    if (study.status === 'completed' || study.status === 'failed') {
      expect(study.status).toBe('completed');
      return { id, study };
    }
    if (Date.now() - started > 120_000) throw new Error(`study still ${study.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function fetchObject(path: string): Promise<{ bytes: Uint8Array; file: string }> {
  const res = await stack.fetch(path, { headers: auth });
  expect(res.status, await res.clone().text().catch(() => '')).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/dicom');
  expect(res.headers.get('cache-control')).toBe('no-store');
  const bytes = new Uint8Array(await res.arrayBuffer());
  const file = join(dir, `${createHash('sha256').update(path).digest('hex').slice(0, 12)}.dcm`);
  await writeFile(file, bytes);
  return { bytes, file };
}

/** dciodvfy's errors (its warnings are listed in the note, not failures). */
async function dciodvfyErrors(file: string): Promise<string[]> {
  const { stdout, stderr } = await run('dciodvfy', [file]).catch((e: { stdout: string; stderr: string }) => e);
  return `${stdout}\n${stderr}`.split('\n').filter((l) => l.startsWith('Error'));
}

async function pydicom<T>(kind: 'seg' | 'sr', file: string): Promise<T> {
  const { stdout } = await run('/usr/bin/python3', [ORACLE, kind, file]);
  return JSON.parse(stdout) as T;
}

/** The 0/1 bytes of a mask PNG the API answers, hashed as the oracle hashes SEG frames. */
async function maskDigest(path: string): Promise<{ sha256: string; count: number }> {
  const res = await stack.fetch(path, { headers: auth });
  expect(res.status).toBe(200);
  const img = UPNG.decode(await res.arrayBuffer());
  const rgba = new Uint8Array(UPNG.toRGBA8(img)[0]!);
  const bits = new Uint8Array(img.width * img.height);
  for (let i = 0; i < bits.length; i++) bits[i] = rgba[i * 4]! > 0 ? 1 : 0;
  return { sha256: createHash('sha256').update(bits).digest('hex'), count: bits.reduce((n, b) => n + b, 0) };
}

interface SegOracle {
  sopClassUID: string;
  sopInstanceUID: string;
  seriesInstanceUID: string;
  studyInstanceUID: string;
  frameOfReferenceUID: string;
  modality: string;
  patientName: string;
  patientID: string;
  rows: number;
  columns: number;
  segmentationType: string;
  segments: { number: number; label: string; category: string[]; type: string[]; algorithm: string[] }[];
  referencedInstances: string[];
  referencedSeries: string;
  frames: { segment: number; sop: string; frame: number | null; position: number[]; sha256: string; count: number }[];
}
interface SrOracle {
  sopClassUID: string;
  sopInstanceUID: string;
  studyInstanceUID: string;
  modality: string;
  template: string;
  title: string[];
  patientName: string;
  groups: { name: string; segment: [string, number]; numbers: [string, number, string][]; site: string[] }[];
  evidence: Record<string, string[]>;
}

describe('a study’s SEG and SR', () => {
  let files: Uint8Array[];
  let id: string;
  let study: StudyView;
  let seg: { bytes: Uint8Array; file: string };
  let sr: { bytes: Uint8Array; file: string };
  let series: string;

  beforeAll(async () => {
    files = (await ctSeries(dir, { from: 30, count: 6, size: 256, spacingMm: 2.5, pixelSpacingMm: 1.4 })).map(readBytes);
    ({ id, study } = await completedStudy(files));
    series = study.series[0]!.seriesInstanceUID!;
    // The study's answer says where they are.
    expect(study.series[0]!.results!.dicom).toEqual({ segUrl: `/v1/studies/${id}/series/${encodeURIComponent(series)}/seg`, srUrl: `/v1/studies/${id}/series/${encodeURIComponent(series)}/sr` });
    seg = await fetchObject(study.series[0]!.results!.dicom!.segUrl);
    sr = await fetchObject(study.series[0]!.results!.dicom!.srUrl!);
  }, 240_000);

  it('passes dciodvfy without an error', async () => {
    expect(await dciodvfyErrors(seg.file)).toEqual([]);
    expect(await dciodvfyErrors(sr.file)).toEqual([]);
  });

  it('is a SEG of the source series: its study, patient and Frame of Reference, every instance referenced, two coded segments with the algorithm', async () => {
    const headers = await Promise.all(files.map((f) => readInstanceHeader(f)));
    const o = await pydicom<SegOracle>('seg', seg.file);
    expect(o).toMatchObject({
      sopClassUID: '1.2.840.10008.5.1.4.1.1.66.4',
      modality: 'SEG',
      segmentationType: 'BINARY',
      studyInstanceUID: headers[0]!.studyInstanceUID,
      frameOfReferenceUID: headers[0]!.frameOfReferenceUID,
      patientName: 'Test^CT',
      patientID: 'CT-SLICE-TEST',
      rows: 256,
      columns: 256,
      referencedSeries: series,
    });
    expect(o.seriesInstanceUID).not.toBe(series);
    expect(o.referencedInstances.sort()).toEqual(headers.map((h) => h.sopInstanceUID!).sort());
    expect(o.segments).toEqual([
      { number: 1, label: 'Lung infection', category: ['49755003', 'SCT', 'Morphologically Abnormal Structure'], type: ['112001', 'DCM', 'Opacity'], algorithm: [stack.model.name, stack.model.version] },
      { number: 2, label: 'Lung', category: ['123037004', 'SCT', 'Anatomical Structure'], type: ['39607008', 'SCT', 'Lung'], algorithm: ['BSNet API lung mask', 'bsnet-api 0.1.0'] },
    ]);
    // Each frame sits where its source slice is.
    const positions = new Map(headers.map((h) => [h.sopInstanceUID!, h.imagePositionPatient!]));
    for (const f of o.frames) expect(f.position).toEqual(positions.get(f.sop));
  });

  it('holds, unpacked by pydicom, exactly the masks the API answers for the same slices; empty frames left out', async () => {
    const o = await pydicom<SegOracle>('seg', seg.file);
    const done = study.series[0]!.slices.filter((s) => s.state === 'done');
    let expectedFrames = 0;
    for (const slice of done) {
      const base = `/v1/studies/${id}/slices/${encodeURIComponent(slice.sopInstanceUID)}/mask`;
      for (const [segment, path] of [[1, base], [2, `${base}?labels=lung`]] as const) {
        const api = await maskDigest(path);
        const frame = o.frames.find((f) => f.sop === slice.sopInstanceUID && f.segment === segment);
        if (api.count === 0) expect(frame).toBeUndefined();
        else {
          expectedFrames++;
          expect(frame, `segment ${segment} of ${slice.sopInstanceUID}`).toMatchObject({ sha256: api.sha256, count: api.count });
        }
      }
    }
    expect(o.frames).toHaveLength(expectedFrames);
    // The lungs of this chest are found in every slice: segment 2 has a frame per slice.
    expect(o.frames.filter((f) => f.segment === 2)).toHaveLength(done.length);
  });

  it('is a TID 1500 SR of the series’ lung figures, referencing the SEG’s segments and the source instances', async () => {
    const s = await pydicom<SrOracle>('sr', sr.file);
    const o = await pydicom<SegOracle>('seg', seg.file);
    const lung = study.series[0]!.results!.lung!;
    expect(s).toMatchObject({ sopClassUID: '1.2.840.10008.5.1.4.1.1.88.33', modality: 'SR', template: '1500', title: ['126000', 'DCM', 'Imaging Measurement Report'], studyInstanceUID: o.studyInstanceUID, patientName: 'Test^CT' });
    const byName = new Map(s.groups.map((g) => [g.name, g]));
    expect([...byName.keys()]).toEqual(['Lung infection', 'Lung', 'Left lung infection', 'Left lung', 'Right lung infection', 'Right lung']);
    for (const [prefix, v] of [['', lung], ['Left ', lung.left!], ['Right ', lung.right!]] as const) {
      const name = (n: string) => (prefix ? `${prefix}${n}` : n.charAt(0).toUpperCase() + n.slice(1));
      const infection = byName.get(name('lung infection'))!;
      expect(infection.segment).toEqual([o.sopInstanceUID, 1]);
      expect(infection.site).toEqual(prefix ? ['Lung', prefix.trim()] : ['Lung']);
      const numbers = new Map(infection.numbers.map(([code, value, unit]) => [code, { value, unit }]));
      expect(numbers.get('118565006')!.unit).toBe('ml');
      expect(numbers.get('118565006')!.value).toBeCloseTo(v.infectedVolumeMl, 3);
      expect(numbers.get('LUNG-PCT')!.value).toBeCloseTo(v.involvementPercent!, 2);
      expect(numbers.get('LUNG-BAND')!.value).toBe(v.band);
      const lungGroup = byName.get(name('lung'))!;
      expect(lungGroup.segment).toEqual([o.sopInstanceUID, 2]);
      expect(lungGroup.numbers[0]![1]).toBeCloseTo(v.lungVolumeMl, 3);
    }
    expect(s.evidence[o.seriesInstanceUID]).toEqual([o.sopInstanceUID]);
    expect(s.evidence[series]!.sort()).toEqual(o.referencedInstances.sort());
  });

  it('reads back in dcmjs, and is the same object on every request (UIDs and bytes)', async () => {
    for (const { bytes } of [seg, sr]) {
      const dict = dcmjs.data.DicomMessage.readFile(bytes.slice().buffer);
      const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
      expect(ds['StudyInstanceUID']).toBe(study.series[0] && (await readInstanceHeader(files[0]!)).studyInstanceUID);
      expect(ds['PatientID']).toBe('CT-SLICE-TEST');
    }
    const again = await fetchObject(`/v1/studies/${id}/series/${encodeURIComponent(series)}/seg`);
    expect(Buffer.from(again.bytes).equals(Buffer.from(seg.bytes))).toBe(true);
  });

  it('answers problem+json for an unknown series, another tenant, a study not done yet, and an Accept it cannot give; no patient data in any log', async () => {
    const unknown = await stack.fetch(`/v1/studies/${id}/series/1.2.3/seg`, { headers: auth });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('series_not_found');
    const other = await stack.fetch(`/v1/studies/${id}/series/${encodeURIComponent(series)}/seg`, { headers: { authorization: `Bearer ${await stack.key('other')}` } });
    expect(other.status).toBe(404);
    const png = await stack.fetch(`/v1/studies/${id}/series/${encodeURIComponent(series)}/sr`, { headers: { ...auth, accept: 'image/png' } });
    expect(png.status).toBe(406);
    expect(png.headers.get('content-type')).toContain('application/problem+json');
    const created = await stack.fetch('/v1/studies', { method: 'POST', body: '{}', headers: { ...auth, 'content-type': 'application/json' } });
    const fresh = ((await created.json()) as { id: string }).id;
    const stow = stowBody(files.slice(0, 2));
    await stack.fetch(`/v1/studies/${fresh}/instances`, { method: 'POST', body: stow.body, headers: { ...auth, 'content-type': stow.type } });
    const early = await stack.fetch(`/v1/studies/${fresh}/series/${encodeURIComponent(series)}/seg`, { headers: auth });
    expect(early.status).toBe(409);
    expect(((await early.json()) as { code: string }).code).toBe('series_not_ready');
    expect(stack.logs().join('\n')).not.toMatch(/Test\^CT|CT-SLICE-TEST/);
  });
});

describe('the SEG of an enhanced (multi-frame) CT instance', () => {
  it('references each source frame by its frame number, and passes dciodvfy', async () => {
    const file = await enhancedCtSeries(dir, { from: 30, size: 256, spacingMm: 2.5, pixelSpacingMm: 1.4, storedOrder: [2, 0, 3, 1], sopInstanceUID: '1.2.826.0.1.3680043.10.1337.77', seriesInstanceUID: '1.2.826.0.1.3680043.10.1337.78' });
    const { id, study } = await completedStudy([readBytes(file)]);
    const seg = await fetchObject(`/v1/studies/${id}/series/${encodeURIComponent(study.series[0]!.seriesInstanceUID!)}/seg`);
    expect(await dciodvfyErrors(seg.file)).toEqual([]);
    const o = await pydicom<SegOracle>('seg', seg.file);
    expect(o.referencedInstances).toEqual(['1.2.826.0.1.3680043.10.1337.77']);
    const lungFrames = o.frames.filter((f) => f.segment === 2);
    // Patient order (z rising) is stored order [2, 0, 3, 1]: frames 2, 4, 1, 3.
    expect(lungFrames.map((f) => f.frame)).toEqual([2, 4, 1, 3]);
    for (const f of lungFrames) {
      const api = await maskDigest(`/v1/studies/${id}/slices/1.2.826.0.1.3680043.10.1337.77/frames/${f.frame}/mask?labels=lung`);
      expect(f).toMatchObject({ sha256: api.sha256, count: api.count });
    }
  }, 240_000);
});
