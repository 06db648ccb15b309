/**
 * The whole loop with a real PACS: a CT series is stored in Orthanc, Orthanc's own DICOMweb client
 * sends it to a study by STOW-RS, the study is segmented on the real Worker and GPU worker, and
 * the tenant's DICOMweb destination (the same Orthanc) receives the SEG and SR by STOW-RS. Checked
 * on Orthanc's side only: its REST API and QIDO-RS list the two new series under the same study,
 * the SEG references every CT instance Orthanc holds and sits in their Frame of Reference, the SR
 * references the SEG, and what Orthanc serves back (WADO-RS) is byte for byte what GET .../seg
 * answers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudyView } from '../../edge/src/studies/study-schemas.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { startOrthanc, type OrthancProcess } from './orthanc-process.js';
import { ctSeries, readBytes } from './study-fixtures.js';

let stack: EdgeStack;
let orthanc: OrthancProcess;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bsnet-pacs-'));
  [stack, orthanc] = await Promise.all([startEdgeStack(), startOrthanc()]);
}, 180_000);
afterAll(async () => {
  await Promise.all([stack?.stop(), orthanc?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

type Tags = Record<string, { Name: string; Type: string; Value: unknown }>;

/** An Orthanc instance's tags, as Orthanc parsed them. */
async function tagsOf(instance: string): Promise<Tags> {
  return (await (await orthanc.rest(`/instances/${instance}/tags`)).json()) as Tags;
}
const value = (t: Tags, tag: string): unknown => t[tag]?.Value;
const items = (t: Tags, tag: string): Tags[] => (value(t, tag) as Tags[] | undefined) ?? [];

describe('a PACS round trip', () => {
  it('takes a series from Orthanc by STOW-RS and returns its SEG and SR to Orthanc under the same study', async () => {
    const segmentKey = await stack.key('hospital');
    const adminKey = await stack.key('hospital', ['tenant:admin']);
    const auth = { authorization: `Bearer ${segmentKey}` };

    // The hospital's PACS holds a CT series.
    const files = (await ctSeries(dir, { from: 30, count: 6, size: 256, spacingMm: 2.5, pixelSpacingMm: 1.4 })).map(readBytes);
    let orthancStudy = '';
    for (const bytes of files) {
      const res = await orthanc.rest('/instances', { method: 'POST', body: bytes as Uint8Array<ArrayBuffer>, headers: { 'content-type': 'application/dicom' } });
      expect(res.status, await orthanc.log()).toBe(200);
      orthancStudy = ((await res.json()) as { ParentStudy: string }).ParentStudy;
    }
    const ctInstances = (await (await orthanc.rest(`/studies/${orthancStudy}/instances`)).json()) as { ID: string; MainDicomTags: { SOPInstanceUID: string } }[];
    const ctSops = ctInstances.map((i) => i.MainDicomTags.SOPInstanceUID).sort();
    const ctTags = await tagsOf(ctInstances[0]!.ID);
    const studyUID = value(ctTags, '0020,000d') as string;

    // The tenant's destination is that PACS.
    const put = await stack.fetch('/v1/dicomweb-destination', {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: orthanc.dicomWebUrl.replace(/\/$/, ''), auth: { type: 'basic', username: orthanc.username, password: orthanc.password } }),
    });
    expect(put.status, await put.clone().text()).toBeLessThan(300);

    // The PACS sends the series to a new study with its own DICOMweb client.
    const created = await stack.fetch('/v1/studies', { method: 'POST', body: '{}', headers: { ...auth, 'content-type': 'application/json' } });
    const { id } = (await created.json()) as { id: string };
    const server = await orthanc.rest('/dicom-web/servers/bsnet', { method: 'PUT', body: JSON.stringify({ Url: `${stack.url}/v1/studies/${id}/dicomweb/`, HttpHeaders: { Authorization: `Bearer ${segmentKey}` } }) });
    expect(server.status).toBe(200);
    const sent = await orthanc.rest('/dicom-web/servers/bsnet/stow', { method: 'POST', body: JSON.stringify({ Resources: [orthancStudy], Synchronous: true }) });
    expect(sent.status, await orthanc.log()).toBe(200);
    expect((await stack.fetch(`/v1/studies/${id}/commit`, { method: 'POST', headers: auth })).status).toBe(202);

    // The study completes and its results are delivered.
    let study: StudyView & { export?: { state: string } };
    for (const started = Date.now(); ; ) {
      study = (await (await stack.fetch(`/v1/studies/${id}`, { headers: auth })).json()) as typeof study;
      if (study.export?.state === 'delivered' || study.export?.state === 'given_up' || study.status === 'failed') break;
      if (Date.now() - started > 150_000) throw new Error(`study ${study.status}, export ${JSON.stringify(study.export)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(study.status).toBe('completed');
    expect(study.export?.state, JSON.stringify(study.export)).toBe('delivered');
    const sourceSeries = study.series[0]!.seriesInstanceUID!;

    // Orthanc's REST API: the study now has the CT, a SEG and an SR series.
    const series = (await (await orthanc.rest(`/studies/${orthancStudy}/series`)).json()) as { ID: string; MainDicomTags: { Modality: string; SeriesInstanceUID: string }; Instances: string[] }[];
    expect(series.map((s) => s.MainDicomTags.Modality).sort()).toEqual(['CT', 'SEG', 'SR']);
    const seg = series.find((s) => s.MainDicomTags.Modality === 'SEG')!;
    const sr = series.find((s) => s.MainDicomTags.Modality === 'SR')!;
    expect(seg.Instances).toHaveLength(1);
    expect(sr.Instances).toHaveLength(1);

    // Its DICOMweb QIDO-RS says the same.
    const qido = (await (await orthanc.rest(`/dicom-web/studies/${studyUID}/series`, { headers: { accept: 'application/dicom+json' } })).json()) as Record<string, { Value?: string[] }>[];
    expect(qido.map((s) => s['00080060']!.Value![0]).sort()).toEqual(['CT', 'SEG', 'SR']);
    expect(qido.map((s) => s['0020000E']!.Value![0]).sort()).toEqual([sourceSeries, seg.MainDicomTags.SeriesInstanceUID, sr.MainDicomTags.SeriesInstanceUID].sort());

    // The SEG's references, as Orthanc parsed them.
    const segTags = await tagsOf(seg.Instances[0]!);
    expect(value(segTags, '0020,000d')).toBe(studyUID);
    expect(value(segTags, '0020,0052')).toBe(value(ctTags, '0020,0052'));
    expect(value(segTags, '0010,0020')).toBe(value(ctTags, '0010,0020'));
    const referenced = items(segTags, '0008,1115')[0]!;
    expect(value(referenced, '0020,000e')).toBe(sourceSeries);
    expect(items(referenced, '0008,114a').map((i) => value(i, '0008,1155')).sort()).toEqual(ctSops);
    const segSop = value(segTags, '0008,0018') as string;

    // The SR references the SEG (its evidence, and each measurement group's Referenced Segment).
    const srTags = await tagsOf(sr.Instances[0]!);
    const evidence = items(items(srTags, '0040,a385')[0]!, '0008,1115');
    expect(evidence.flatMap((s) => items(s, '0008,1199').map((i) => value(i, '0008,1155')))).toContain(segSop);

    // What the PACS holds is what the API answers.
    const fromApi = new Uint8Array(await (await stack.fetch(`/v1/studies/${id}/series/${encodeURIComponent(sourceSeries)}/seg`, { headers: auth })).arrayBuffer());
    const fromPacs = new Uint8Array(await (await orthanc.rest(`/instances/${seg.Instances[0]}/file`)).arrayBuffer());
    expect(Buffer.from(fromPacs).equals(Buffer.from(fromApi))).toBe(true);
  }, 300_000);
});
