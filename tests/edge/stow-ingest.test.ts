/**
 * DICOMweb STOW-RS into a study, with a real PACS as the sending client: a CT series is stored
 * in Orthanc (its REST API), our study's DICOMweb root is registered in Orthanc as a DICOMweb
 * server, and Orthanc's own STOW-RS client sends the series to it (one chunked multipart/related
 * request, a 73-character boundary, a Content-Length per part, Accept: application/dicom+json).
 * The study then commits and completes on the real Worker and GPU worker. Direct requests pin the
 * per-instance answers (202 with Failed SOP Sequence and Failure Reasons, 409 for another study
 * than the URL's) and the refusals that stay problem+json.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatBytes } from '../../shared/concat-bytes.js';
import { readInstanceHeader } from '../../edge/src/studies/instance-header.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { startOrthanc, type OrthancProcess } from './orthanc-process.js';
import { ctSeries, readBytes, stowBody } from './study-fixtures.js';

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const DICOM_JSON = 'application/dicom+json';
/** DICOM JSON keys of the Store Instances Response Module (PS3.18 Table I.1-1). */
const FAILED = '00081198';
const REFERENCED = '00081199';
const SOP_CLASS = '00081150';
const SOP_INSTANCE = '00081155';
const FAILURE_REASON = '00081197';

let stack: EdgeStack;
let orthanc: OrthancProcess;
let key: string;
let dir: string;
/** The series in acquisition order, and what our header reader says of each file. */
let slices: Uint8Array[];
let sops: string[];
let studyUID: string;
/** Orthanc's id of the study it holds the series in. */
let orthancStudy: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bsnet-stow-'));
  [stack, orthanc] = await Promise.all([startEdgeStack(), startOrthanc()]);
  key = await stack.key('acme');
  slices = (await ctSeries(dir, { from: 40, count: 8, size: 128, spacingMm: 2.5 })).map(readBytes);
  const headers = await Promise.all(slices.map((bytes) => readInstanceHeader(bytes)));
  sops = headers.map((h) => h.sopInstanceUID!);
  studyUID = headers[0]!.studyInstanceUID!;
  for (const bytes of slices) {
    const res = await orthanc.rest('/instances', { method: 'POST', body: bytes as Uint8Array<ArrayBuffer>, headers: { 'content-type': 'application/dicom' } });
    expect(res.status, await orthanc.log()).toBe(200);
    orthancStudy = ((await res.json()) as { ParentStudy: string }).ParentStudy;
  }
}, 180_000);
afterAll(async () => {
  await Promise.all([stack?.stop(), orthanc?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const auth = () => ({ authorization: `Bearer ${key}` });

async function createStudy(): Promise<string> {
  const res = await stack.fetch('/v1/studies', { method: 'POST', body: '{}', headers: { ...auth(), 'content-type': 'application/json' } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function waitFor(id: string, done: (s: any) => boolean, timeoutMs = 60_000): Promise<any> {
  const started = Date.now();
  for (;;) {
    const body = (await (await stack.fetch(`/v1/studies/${id}`, { headers: auth() })).json()) as any;
    if (done(body)) return body;
    if (Date.now() - started > timeoutMs) throw new Error(`study ${id} still ${JSON.stringify(body.status)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Orthanc's DICOMweb client pointed at the study's DICOMweb root, with our bearer key. */
async function registerInOrthanc(name: string, id: string): Promise<void> {
  const res = await orthanc.rest(`/dicom-web/servers/${name}`, {
    method: 'PUT',
    body: JSON.stringify({ Url: `${stack.url}/v1/studies/${id}/dicomweb/`, HttpHeaders: { Authorization: `Bearer ${key}` } }),
  });
  expect(res.status, await orthanc.log()).toBe(200);
}

/** A multipart/related body of parts given with their own Content-Type. */
function related(parts: { type: string; bytes: Uint8Array }[], boundary = 'stow-test-boundary'): { body: Uint8Array<ArrayBuffer>; type: string } {
  const enc = new TextEncoder();
  const chunks = parts.flatMap((p) => [enc.encode(`--${boundary}\r\nContent-Type: ${p.type}\r\n\r\n`), p.bytes, enc.encode('\r\n')]);
  return { body: concatBytes([...chunks, enc.encode(`--${boundary}--\r\n`)]) as Uint8Array<ArrayBuffer>, type: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}

async function stow(id: string, body: { body: Uint8Array<ArrayBuffer>; type: string }, opts: { study?: string; accept?: string } = {}): Promise<Response> {
  return stack.fetch(`/v1/studies/${id}/dicomweb/studies${opts.study ? `/${opts.study}` : ''}`, {
    method: 'POST',
    body: body.body,
    headers: { ...auth(), 'content-type': body.type, accept: opts.accept ?? DICOM_JSON },
  });
}

describe('STOW-RS from Orthanc', () => {
  it('receives a series Orthanc sends as a DICOMweb client, and the study commits and completes', async () => {
    const id = await createStudy();
    await registerInOrthanc('bsnet', id);
    const sent = await orthanc.rest('/dicom-web/servers/bsnet/stow', { method: 'POST', body: JSON.stringify({ Resources: [orthancStudy], Synchronous: true }) });
    // Orthanc checks the answer itself: every instance in the Referenced SOP Sequence, none failed.
    expect(sent.status, await orthanc.log()).toBe(200);
    expect(await sent.json()).toMatchObject({ InstancesCount: '8' });

    const received = await waitFor(id, () => true);
    expect(received.status).toBe('receiving');
    expect(received.series).toHaveLength(1);
    expect(received.series[0].slices.map((s: any) => s.sopInstanceUID).sort()).toEqual([...sops].sort());

    const commit = await stack.fetch(`/v1/studies/${id}/commit`, { method: 'POST', headers: auth() });
    expect(commit.status).toBe(202);
    expect(await commit.json()).toMatchObject({ slicesQueued: 8 });
    const study = await waitFor(id, (s) => s.status === 'completed' || s.status === 'failed');
    expect(study).toMatchObject({ status: 'completed', progress: { slicesTotal: 8, slicesDone: 8, slicesFailed: 0 } });
    // Patient order is the acquisition order here.
    expect(study.series[0].slices.map((s: any) => s.sopInstanceUID)).toEqual(sops);

    // Once committed the study takes nothing more, and Orthanc's job says it failed.
    const late = await orthanc.rest('/dicom-web/servers/bsnet/stow', { method: 'POST', body: JSON.stringify({ Resources: [orthancStudy], Synchronous: true }) });
    expect(late.ok).toBe(false);
  });

  it("takes the request exactly as Orthanc 1.10's DICOMweb plugin sends it: chunked, a 73-character boundary, a Content-Length per part", async () => {
    const id = await createStudy();
    // Orthanc's boundary is two UUIDs joined by '-' (RFC 2046 allows 70 characters; this is 73).
    const boundary = `${crypto.randomUUID()}-${crypto.randomUUID()}`;
    const enc = new TextEncoder();
    const chunks = [
      ...slices.slice(0, 2).map((bytes) => concatBytes([enc.encode(`--${boundary}\r\nContent-Type: application/dicom\r\nContent-Length: ${bytes.length}\r\n\r\n`), bytes, enc.encode('\r\n')])),
      // The closing delimiter with no CRLF after it.
      enc.encode(`--${boundary}--`),
    ];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const res = await stack.fetch(`/v1/studies/${id}/dicomweb/studies`, {
      method: 'POST',
      body,
      duplex: 'half',
      headers: { ...auth(), accept: DICOM_JSON, 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}` },
    } as RequestInit);
    const answer = (await res.json()) as any;
    expect(res.status, JSON.stringify(answer)).toBe(200);
    expect(answer[REFERENCED].Value).toHaveLength(2);
  });

  it('takes the series into the URL of its own Study Instance UID', async () => {
    const id = await createStudy();
    const res = await stow(id, stowBody(slices.slice(0, 2)), { study: studyUID });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(DICOM_JSON);
    const body = (await res.json()) as any;
    expect(body[FAILED]).toBeUndefined();
    expect(body[REFERENCED].Value.map((i: any) => [i[SOP_CLASS].Value[0], i[SOP_INSTANCE].Value[0]])).toEqual(sops.slice(0, 2).map((s) => [CT_IMAGE_STORAGE, s]));
  });
});

describe('STOW-RS answers per instance', () => {
  it('stores the good instance of a mixed body and names each failure with its Failure Reason (202)', async () => {
    const id = await createStudy();
    const noise = new Uint8Array(4096).map((_, i) => (i * 7919) % 251);
    const body = related([
      { type: 'application/dicom', bytes: slices[0]! },
      { type: 'application/dicom', bytes: noise },
      { type: 'application/dicom', bytes: slices[0]!.slice(0, 700) },
      { type: 'text/plain', bytes: new TextEncoder().encode('not an instance') },
      { type: 'application/dicom', bytes: slices[0]! },
    ]);
    const res = await stow(id, body);
    expect(res.status).toBe(202);
    expect(res.headers.get('content-type')).toBe(DICOM_JSON);
    const answer = (await res.json()) as any;
    expect(answer[REFERENCED].Value).toEqual([{ [SOP_CLASS]: { vr: 'UI', Value: [CT_IMAGE_STORAGE] }, [SOP_INSTANCE]: { vr: 'UI', Value: [sops[0]] }, '00081190': { vr: 'UR' } }]);
    expect(answer[FAILED].Value).toEqual([
      // Not DICOM, truncated, not application/dicom: cannot understand, no UIDs to give.
      { [FAILURE_REASON]: { vr: 'US', Value: [0xc000] } },
      { [FAILURE_REASON]: { vr: 'US', Value: [0xc000] } },
      { [FAILURE_REASON]: { vr: 'US', Value: [0xc000] } },
      // The same SOP Instance UID again: duplicate SOP instance, with its UIDs.
      { [SOP_CLASS]: { vr: 'UI', Value: [CT_IMAGE_STORAGE] }, [SOP_INSTANCE]: { vr: 'UI', Value: [sops[0]] }, [FAILURE_REASON]: { vr: 'US', Value: [0x0111] } },
    ]);

    // Nothing crashed: the study holds the one instance, and the rest of the series still goes in.
    const rest = await stow(id, stowBody(slices.slice(1)));
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as any)[REFERENCED].Value).toHaveLength(7);
    const study = await waitFor(id, () => true);
    expect(study.series[0].slices).toHaveLength(8);
  });

  it('refuses instances of another study than the URL names: 409 with Failure Reason C409, nothing stored', async () => {
    const id = await createStudy();
    const res = await stow(id, stowBody(slices.slice(0, 2)), { study: '1.2.826.0.1.3680043.10.999' });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toBe(DICOM_JSON);
    const answer = (await res.json()) as any;
    expect(answer[REFERENCED]).toBeUndefined();
    expect(answer[FAILED].Value.map((i: any) => [i[SOP_INSTANCE].Value[0], i[FAILURE_REASON].Value[0]])).toEqual(sops.slice(0, 2).map((s) => [s, 0xc409]));
    const study = await waitFor(id, () => true);
    expect(study.series).toEqual([]);
  });

  it('answers 409 when every instance is already in the study', async () => {
    const id = await createStudy();
    expect((await stow(id, stowBody(slices.slice(0, 1)))).status).toBe(200);
    const again = await stow(id, stowBody(slices.slice(0, 1)));
    expect(again.status).toBe(409);
    expect(((await again.json()) as any)[FAILED].Value[0][FAILURE_REASON].Value).toEqual([0x0111]);
  });
});

describe('STOW-RS refusals of the whole request stay problem+json', () => {
  const problem = async (res: Response) => {
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    return (await res.json()) as { code: string; field?: string };
  };

  it('406 for an Accept it cannot answer, before anything is stored', async () => {
    const id = await createStudy();
    const res = await stow(id, stowBody(slices.slice(0, 1)), { accept: 'application/dicom+xml' });
    expect(res.status).toBe(406);
    expect(await problem(res)).toMatchObject({ code: 'not_acceptable', field: 'accept' });
    expect((await waitFor(id, () => true)).series).toEqual([]);
  });

  it('415 for a body that is not multipart/related, or of another root type', async () => {
    const id = await createStudy();
    const single = await stack.fetch(`/v1/studies/${id}/dicomweb/studies`, { method: 'POST', body: slices[0]! as Uint8Array<ArrayBuffer>, headers: { ...auth(), 'content-type': 'application/dicom' } });
    expect(single.status).toBe(415);
    expect(await problem(single)).toMatchObject({ code: 'unsupported_media_type', field: 'content-type' });
    const xml = stowBody(slices.slice(0, 1));
    const metadata = await stow(id, { body: xml.body, type: xml.type.replace('application/dicom', 'application/dicom+xml') });
    expect(metadata.status).toBe(415);
  });

  it('400 for framing that is not multipart, or a path UID that is not a UID; 404 for no such study; 401 without the key', async () => {
    const id = await createStudy();
    const broken = await stow(id, { body: new TextEncoder().encode('no parts here') as Uint8Array<ArrayBuffer>, type: 'multipart/related; type="application/dicom"; boundary=x' });
    expect(broken.status).toBe(400);
    expect(await problem(broken)).toMatchObject({ code: 'invalid_multipart' });
    const badUid = await stow(id, stowBody(slices.slice(0, 1)), { study: 'not-a-uid' });
    expect(badUid.status).toBe(400);
    expect(await problem(badUid)).toMatchObject({ field: 'StudyInstanceUID' });
    const missing = await stow('st_aaaaaaaaaaaaaaaaaaaaaaaaaa', stowBody(slices.slice(0, 1)));
    expect(missing.status).toBe(404);
    expect(await problem(missing)).toMatchObject({ code: 'study_not_found' });
    const one = stowBody(slices.slice(0, 1));
    const anonymous = await stack.fetch(`/v1/studies/${id}/dicomweb/studies`, { method: 'POST', body: one.body, headers: { 'content-type': one.type } });
    expect(anonymous.status).toBe(401);
  });

  it('409 problem+json for a study past receiving', async () => {
    const id = await createStudy();
    expect((await stow(id, stowBody(slices.slice(0, 1)))).status).toBe(200);
    expect((await stack.fetch(`/v1/studies/${id}/commit`, { method: 'POST', headers: auth() })).status).toBe(202);
    const late = await stow(id, stowBody(slices.slice(1, 2)));
    expect(late.status).toBe(409);
    expect(await problem(late)).toMatchObject({ code: 'study_not_receiving' });
  });
});
