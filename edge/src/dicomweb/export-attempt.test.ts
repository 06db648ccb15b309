/**
 * The export's retry policy, one attempt at a time, against a real D1 (the destination, sealed)
 * and a real HTTP server on 127.0.0.1 standing in for the PACS; the objects come from a stand-in
 * builder so each answer can be staged. What is retried (5xx, 429, network, partial, our own
 * build failing) and when (base x 4^(n-1)), what is given up at once (4xx, a deleted
 * destination), what counts as delivered (all stored, or a 409 of duplicates only), and that a
 * retry sends only what was not stored.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestD1, type TestD1 } from '../auth/test-d1.test-support.js';
import { EdgeError } from '../http/edge-error.js';
import { cipherFor } from './credential-cipher.js';
import { deleteDestination, putDestination } from './destination-store.js';
import { exportAttempt, type ExportConfig, type ExportDeps, type ExportObject, type ExportSnapshot } from './export-attempt.js';
import type { ExportRow } from './export-row.js';

let d1: TestD1;
let server: Server;
let url: string;
/** What the stand-in PACS answers next, and the SOP Instance UIDs of each request it got. */
let answer: { status: number; body?: unknown };
const requests: string[][] = [];

const KEY = new Uint8Array(32).fill(9);
const config: ExportConfig = { development: true, dicomwebMaxAttempts: 3, dicomwebRetryBaseMs: 1_000, dicomwebTimeoutMs: 2_000, destinationEncryptionKey: KEY, model: { name: 'bsnet', version: '1.2.0', inputSize: 352 } };

const objects: ExportObject[] = ['seg', 'sr'].map((kind, i) => ({
  kind: kind as 'seg' | 'sr',
  sourceSeriesInstanceUID: '1.2.3.1',
  studyInstanceUID: '1.2.3',
  sopInstanceUID: `2.25.${i + 1}`,
  // The UID in the bytes, so the server can tell which part is which.
  bytes: new TextEncoder().encode(`DICM 2.25.${i + 1}`),
}));

const snapshot = (tenant: string): ExportSnapshot => ({ study: { tenant } });
const fresh = (): ExportRow => ({ state: 'pending', nextAt: 0, destination: '127.0.0.1', attempts: [], instances: [] });
const deps = (build: ExportDeps<ExportSnapshot>['build'] = async () => objects): ExportDeps<ExportSnapshot> => ({ config, db: d1.db, bucket: {} as R2Bucket, build });

const failed = (uid: string, reason: number) => ({ '00081155': { vr: 'UI', Value: [uid] }, '00081197': { vr: 'US', Value: [reason] } });

beforeAll(async () => {
  d1 = await openTestD1();
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      requests.push([...body.matchAll(/DICM (2\.25\.\d+)/g)].map((m) => m[1]!));
      res.writeHead(answer.status, { 'content-type': 'application/dicom+json' }).end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`;
  const cipher = await cipherFor(KEY);
  for (const tenant of ['acme', 'gone']) await putDestination(d1.db, cipher, tenant, { url, auth: { type: 'basic', username: 'u', password: 'p' } });
});
afterAll(async () => {
  server?.close();
  await d1?.dispose();
});

describe('export attempt', () => {
  it('is delivered on a 200, recording the host, the objects stored and the attempt', async () => {
    answer = { status: 200, body: {} };
    const row = await exportAttempt(snapshot('acme'), fresh(), 10_000, deps());
    expect(row).toEqual({
      state: 'delivered',
      nextAt: null,
      destination: new URL(url).host,
      attempts: [{ at: 10_000, httpStatus: 200, accepted: 2, failed: 0 }],
      instances: objects.map((o) => ({ kind: o.kind, sopInstanceUID: o.sopInstanceUID, sourceSeriesInstanceUID: '1.2.3.1', stored: true })),
    });
  });

  it('retries 503 and 429 with backoff base x 4^(n-1), then gives up after the last attempt', async () => {
    let row = fresh();
    const times = [0, 1_000, 5_000];
    for (const [n, at] of times.entries()) {
      answer = { status: n === 1 ? 429 : 503 };
      row = await exportAttempt(snapshot('acme'), row, at, deps());
    }
    expect(row.attempts.map((a) => [a.at, a.httpStatus, a.error])).toEqual([
      [0, 503, 'the destination answered 503'],
      [1_000, 429, 'the destination answered 429'],
      [5_000, 503, 'the destination answered 503'],
    ]);
    expect(row.state).toBe('given_up');
    expect(row.nextAt).toBeNull();
    // The schedule itself: after attempt 1, +1 s; after attempt 2, +4 s.
    answer = { status: 503 };
    const one = await exportAttempt(snapshot('acme'), fresh(), 0, deps());
    const two = await exportAttempt(snapshot('acme'), one, one.nextAt!, deps());
    expect([one.nextAt, two.nextAt]).toEqual([1_000, 5_000]);
  });

  it('gives up at once on a 4xx no retry changes', async () => {
    answer = { status: 403 };
    const row = await exportAttempt(snapshot('acme'), fresh(), 0, deps());
    expect(row).toMatchObject({ state: 'given_up', nextAt: null, attempts: [{ httpStatus: 403, error: 'the destination answered 403', accepted: 0, failed: 2 }] });
  });

  it('after a partial failure (202) sends only what was not stored, and is delivered once it is', async () => {
    requests.length = 0;
    answer = { status: 202, body: { '00081198': { vr: 'SQ', Value: [failed('2.25.2', 0xa700)] } } };
    const first = await exportAttempt(snapshot('acme'), fresh(), 0, deps());
    expect(first).toMatchObject({ state: 'pending', nextAt: 1_000, attempts: [{ httpStatus: 202, error: '1 of 2 not stored (FailureReason A700H)', accepted: 1, failed: 1 }] });
    expect(first.instances.map((i) => i.stored)).toEqual([true, false]);
    answer = { status: 200, body: {} };
    const second = await exportAttempt(snapshot('acme'), first, 1_000, deps());
    expect(requests).toEqual([['2.25.1', '2.25.2'], ['2.25.2']]);
    expect(second).toMatchObject({ state: 'delivered', attempts: [{ accepted: 1 }, { httpStatus: 200, accepted: 1, failed: 0 }] });
    expect(second.instances.every((i) => i.stored)).toBe(true);
  });

  it('takes a 409 of duplicates only as delivered (a retry the destination already had), and any other 409 as given up', async () => {
    answer = { status: 409, body: { '00081198': { vr: 'SQ', Value: objects.map((o) => failed(o.sopInstanceUID, 0x0111)) } } };
    expect(await exportAttempt(snapshot('acme'), fresh(), 0, deps())).toMatchObject({ state: 'delivered', attempts: [{ httpStatus: 409, accepted: 2, failed: 0 }] });
    answer = { status: 409, body: { '00081198': { vr: 'SQ', Value: [failed('2.25.1', 0x0111), failed('2.25.2', 0xc409)] } } };
    expect(await exportAttempt(snapshot('acme'), fresh(), 0, deps())).toMatchObject({
      state: 'given_up',
      attempts: [{ httpStatus: 409, error: 'the destination answered 409: 1 of 2 not stored (FailureReason C409H)', accepted: 1, failed: 1 }],
    });
  });

  it('retries when the objects cannot be built, saying why only for our own errors', async () => {
    const row = await exportAttempt(snapshot('acme'), fresh(), 0, deps(async () => {
      throw new EdgeError(404, 'mask_not_found', 'a mask of this series is no longer stored');
    }));
    expect(row).toMatchObject({ state: 'pending', attempts: [{ error: 'not sent: the DICOM objects could not be built (a mask of this series is no longer stored)' }] });
    const other = await exportAttempt(snapshot('acme'), fresh(), 0, deps(async () => {
      throw new TypeError('patient Jane Doe');
    }));
    expect(other.attempts[0]!.error).toBe('not sent: the DICOM objects could not be built (TypeError)');
  });

  it('gives up when the tenant deleted its destination, and never sends', async () => {
    requests.length = 0;
    await deleteDestination(d1.db, 'gone');
    const row = await exportAttempt(snapshot('gone'), fresh(), 0, deps());
    expect(row).toMatchObject({ state: 'given_up', attempts: [{ error: 'not sent: the tenant has no DICOMweb destination any more', accepted: 0, failed: 0 }] });
    expect(requests).toEqual([]);
  });

  it('retries when the credential does not decrypt (another key: the tenant PUTs again)', async () => {
    const row = await exportAttempt(snapshot('acme'), fresh(), 0, { ...deps(), config: { ...config, destinationEncryptionKey: new Uint8Array(32).fill(1) } });
    expect(row.state).toBe('pending');
    expect(row.attempts[0]!.error).toMatch(/^not sent: the stored credential does not decrypt \(sealed under another DESTINATION_ENCRYPTION_KEY/);
  });
});
