/**
 * A completed study's DICOM SEG and SR delivered by STOW-RS to the tenant's DICOMweb destination,
 * end to end: the real Worker, queue consumer and GPU worker, and a real PACS (Orthanc with its
 * DICOMweb plugin, basic auth) as the destination. The objects are checked in Orthanc through its
 * REST API and its QIDO-RS: SEG and SR series under the CT's Study Instance UID. A destination on
 * a real node:http server answering 503 twice shows the retries with backoff, every attempt
 * recorded, while the completion webhook is delivered from the same alarm; deleting the study
 * stops delivery; a destination added after a study finished does not export it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInstanceHeader } from '../../edge/src/studies/instance-header.js';
import { createWebhookSecret } from '../../edge/src/webhooks/webhook-secret-store.js';
import { StudyView } from '../../edge/src/studies/study-schemas.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { startOrthanc, type OrthancProcess } from './orthanc-process.js';
import { ctSeries, readBytes, stowBody } from './study-fixtures.js';

const SEG_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';
const COMPREHENSIVE_SR_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.88.33';

let stack: EdgeStack;
let orthanc: OrthancProcess;
let dir: string;
let slices: Uint8Array[];
let studyUID: string;
let sourceSeries: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bsnet-export-'));
  // Retries 1 s then 4 s apart, so the retry test takes seconds.
  [stack, orthanc] = await Promise.all([startEdgeStack({ vars: { DICOMWEB_RETRY_BASE_SECONDS: '1', DICOMWEB_MAX_ATTEMPTS: '4' } }), startOrthanc()]);
  // A chest the lung mask finds (realistic pixel spacing), so each series also gets an SR.
  slices = (await ctSeries(dir, { from: 30, count: 7, size: 256, spacingMm: 2.5, pixelSpacingMm: 1.4 })).map(readBytes);
  const header = await readInstanceHeader(slices[0]!);
  studyUID = header.studyInstanceUID!;
  sourceSeries = header.seriesInstanceUID!;
}, 180_000);
afterAll(async () => {
  await Promise.all([stack?.stop(), orthanc?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A tenant's key that both segments and sets the destination. */
const tenantKey = (tenant: string) => stack.key(tenant, ['segment', 'tenant:admin']);

async function putDestination(key: string, body: unknown): Promise<void> {
  const res = await stack.fetch('/v1/dicomweb-destination', { method: 'PUT', body: JSON.stringify(body), headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
  expect(res.status, await res.clone().text()).toBe(201);
}

/** Creates a study (with `settings`), stores the series, commits; its id. */
async function runStudy(key: string, settings: Record<string, string> = {}): Promise<string> {
  const headers = { authorization: `Bearer ${key}` };
  const created = await stack.fetch('/v1/studies', { method: 'POST', body: JSON.stringify(settings), headers: { ...headers, 'content-type': 'application/json' } });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const stow = stowBody(slices);
  expect((await stack.fetch(`/v1/studies/${id}/instances`, { method: 'POST', body: stow.body, headers: { ...headers, 'content-type': stow.type } })).status).toBe(200);
  expect((await stack.fetch(`/v1/studies/${id}/commit`, { method: 'POST', headers })).status).toBe(202);
  return id;
}

async function studyUntil(key: string, id: string, done: (s: StudyView) => boolean, timeoutMs = 120_000): Promise<StudyView> {
  const started = Date.now();
  for (;;) {
    const s = StudyView.parse(await (await stack.fetch(`/v1/studies/${id}`, { headers: { authorization: `Bearer ${key}` } })).json());
    if (done(s)) return s;
    if (s.status === 'failed') throw new Error(`study ${id} failed`);
    if (Date.now() - started > timeoutMs) throw new Error(`study ${id}: ${s.status}, export ${JSON.stringify(s.export)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A destination on 127.0.0.1 answering `statuses` in turn (then the last), keeping what it got. */
async function stagedDestination(statuses: number[]): Promise<{ url: string; got: { headers: IncomingMessage['headers']; parts: Buffer[] }[]; server: Server }> {
  const got: { headers: IncomingMessage['headers']; parts: Buffer[] }[] = [];
  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const boundary = /boundary=([^;]+)/.exec(String(req.headers['content-type']))?.[1] ?? '';
      const body = Buffer.concat(chunks).toString('latin1');
      const parts = body.split(`--${boundary}`).slice(1, -1).map((p) => Buffer.from(p.slice(p.indexOf('\r\n\r\n') + 4, -2), 'latin1'));
      got.push({ headers: req.headers, parts });
      const status = statuses[Math.min(got.length, statuses.length) - 1]!;
      res.writeHead(status, { 'content-type': 'application/dicom+json' }).end(status === 200 ? '{}' : '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`, got, server };
}

describe('DICOMweb export of completed studies', () => {
  it('delivers the SEG and SR to Orthanc (basic auth) under the CT’s Study Instance UID, found by QIDO-RS', async () => {
    const key = await tenantKey('acme');
    await putDestination(key, { url: orthanc.dicomWebUrl, auth: { type: 'basic', username: orthanc.username, password: orthanc.password } });
    const id = await runStudy(key);
    const study = await studyUntil(key, id, (s) => s.export?.state === 'delivered' || s.export?.state === 'given_up');
    expect(study.export, `${JSON.stringify(study.export)}\n${await orthanc.log()}`).toMatchObject({ state: 'delivered', destination: new URL(orthanc.url).host });
    expect(study.export!.attempts).toEqual([{ at: expect.any(String), httpStatus: 200, accepted: 2, failed: 0 }]);
    expect(study.export!.instances.map((i) => [i.kind, i.sourceSeriesInstanceUID, i.stored])).toEqual([
      ['seg', sourceSeries, true],
      ['sr', sourceSeries, true],
    ]);

    // Orthanc's REST API: each SOP Instance UID the study lists is stored, in the CT's study.
    for (const { kind, sopInstanceUID } of study.export!.instances) {
      const found = (await (await orthanc.rest('/tools/lookup', { method: 'POST', body: sopInstanceUID })).json()) as { ID: string; Type: string }[];
      const instance = found.find((f) => f.Type === 'Instance');
      expect(instance, `${kind} ${sopInstanceUID}`).toBeDefined();
      const tags = (await (await orthanc.rest(`/instances/${instance!.ID}/simplified-tags`)).json()) as Record<string, string>;
      expect(tags).toMatchObject({ SOPInstanceUID: sopInstanceUID, StudyInstanceUID: studyUID, SOPClassUID: kind === 'seg' ? SEG_SOP_CLASS : COMPREHENSIVE_SR_SOP_CLASS, Modality: kind === 'seg' ? 'SEG' : 'SR' });
    }
    // Its QIDO-RS: the study's series are the SEG and the SR (the CT itself was never sent).
    const qido = await orthanc.rest(`${orthanc.dicomWebUrl}studies/${studyUID}/series`, { headers: { accept: 'application/dicom+json' } });
    expect(qido.status).toBe(200);
    const series = (await qido.json()) as Record<string, { Value?: string[] }>[];
    expect(series.map((s) => s['00080060']?.Value?.[0]).sort()).toEqual(['SEG', 'SR']);
    for (const s of series) expect(s['0020000D']?.Value?.[0]).toBe(studyUID);

    // The Orthanc password is nowhere in the Worker's logs or the study's answer.
    expect(stack.logs().join('\n')).not.toContain(orthanc.password);
    expect(JSON.stringify(study)).not.toContain(orthanc.password);
  }, 240_000);

  it('retries a destination that answers 503 twice, with backoff, and records every attempt, the webhook delivered beside it', async () => {
    const key = await tenantKey('flaky');
    const pacs = await stagedDestination([503, 503, 200]);
    // The completion webhook shares the study's one alarm with the export.
    const hook = await stagedDestination([204]);
    try {
      await createWebhookSecret(stack.env.DB, 'flaky');
      await putDestination(key, { url: pacs.url, auth: { type: 'bearer', token: 'flaky-pacs-token' } });
      const id = await runStudy(key, { callbackUrl: `${hook.url}/hook` });
      const study = await studyUntil(key, id, (s) => s.export?.state === 'delivered' || s.export?.state === 'given_up');
      expect(study.export!.state).toBe('delivered');
      expect(study.webhook).toMatchObject({ state: 'delivered', attempts: [{ httpStatus: 204 }] });
      expect(hook.got).toHaveLength(1);
      expect(study.export!.attempts.map((a) => [a.httpStatus, a.error, a.accepted, a.failed])).toEqual([
        [503, 'the destination answered 503', 0, 2],
        [503, 'the destination answered 503', 0, 2],
        [200, undefined, 2, 0],
      ]);
      const times = study.export!.attempts.map((a) => Date.parse(a.at));
      // base 1 s, then 4 s: at least.
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1_000);
      expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(4_000);
      expect(pacs.got).toHaveLength(3);
      for (const request of pacs.got) {
        expect(request.headers['authorization']).toBe('Bearer flaky-pacs-token');
        expect(request.headers['content-type']).toMatch(/^multipart\/related; type="application\/dicom"; boundary=/);
        // Two Part 10 files each time (the preamble, then DICM), the same two.
        expect(request.parts.map((p) => p.subarray(128, 132).toString('latin1'))).toEqual(['DICM', 'DICM']);
      }
      expect(pacs.got[2]!.parts).toEqual(pacs.got[0]!.parts);
      expect(stack.logs().join('\n')).not.toContain('flaky-pacs-token');
    } finally {
      pacs.server.close();
      hook.server.close();
    }
  }, 240_000);

  it('stops delivering when the study is deleted', async () => {
    const key = await tenantKey('deleting');
    const pacs = await stagedDestination([503]);
    try {
      await putDestination(key, { url: pacs.url, auth: { type: 'none' } });
      const id = await runStudy(key);
      await studyUntil(key, id, (s) => (s.export?.attempts.length ?? 0) >= 1);
      expect((await stack.fetch(`/v1/studies/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } })).status).toBe(204);
      const sent = pacs.got.length;
      // The next attempt was due 1 s later; none comes.
      await new Promise((r) => setTimeout(r, 3_000));
      expect(pacs.got.length).toBe(sent);
      expect(sent).toBe(1);
    } finally {
      pacs.server.close();
    }
  }, 240_000);

  it('does not export a study that finished before the destination was set', async () => {
    const key = await tenantKey('late');
    const pacs = await stagedDestination([200]);
    try {
      const id = await runStudy(key);
      const done = await studyUntil(key, id, (s) => s.status === 'completed');
      expect(done.export).toBeUndefined();
      await putDestination(key, { url: pacs.url, auth: { type: 'none' } });
      await new Promise((r) => setTimeout(r, 2_000));
      const after = await studyUntil(key, id, () => true);
      expect(after.export).toBeUndefined();
      expect(pacs.got).toHaveLength(0);
    } finally {
      pacs.server.close();
    }
  }, 240_000);
});
