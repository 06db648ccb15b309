/**
 * The STOW-RS client against a real HTTP server on 127.0.0.1 (node:http): what it sends (path,
 * multipart/related with one application/dicom part per instance, Accept, Authorization) and
 * how it reads 200, 202 with a Failed SOP Sequence, 409, 500, a redirect, silence and a closed
 * port, with no credential in any outcome.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeInstances, type StowRequest } from './stow-client.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

let server: Server;
let base: string;
let respond: (req: IncomingMessage, res: ServerResponse) => void;
const got: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      respond(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const PASSWORD = 'p@ss:wörd-never-logged';
const instances = [
  { sopInstanceUID: '1.2.3.4.1', bytes: new Uint8Array([1, 2, 3, 0x2d, 0x2d]) },
  { sopInstanceUID: '1.2.3.4.2', bytes: new Uint8Array(1000).fill(0x42) },
];
const request = (over: Partial<StowRequest> = {}): StowRequest => ({
  base,
  studyInstanceUID: '1.2.3',
  auth: { type: 'basic', username: 'bsnet', password: PASSWORD },
  instances,
  timeoutMs: 2_000,
  ...over,
});

const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/dicom+json' }).end(JSON.stringify(body));
const failedSop = (uid: string, reason: number) => ({ '00081150': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.66.4'] }, '00081155': { vr: 'UI', Value: [uid] }, '00081197': { vr: 'US', Value: [reason] } });
const referencedSop = (uid: string) => ({ '00081155': { vr: 'UI', Value: [uid] } });

/** The parts of a multipart/related body, split on its boundary. */
function parts(r: Received): { headers: string; bytes: Buffer }[] {
  const boundary = /boundary=([^;]+)/.exec(String(r.headers['content-type']))![1]!;
  const text = r.body.toString('latin1');
  return text
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((p) => {
      const at = p.indexOf('\r\n\r\n');
      return { headers: p.slice(2, at), bytes: Buffer.from(p.slice(at + 4, -2), 'latin1') };
    });
}

describe('STOW-RS client', () => {
  it('POSTs one multipart/related request to {base}/studies/{uid} with basic auth, and reads a 200', async () => {
    respond = (_req, res) => json(res, 200, { '00081199': { vr: 'SQ', Value: instances.map((i) => referencedSop(i.sopInstanceUID)) } });
    got.length = 0;
    const outcome = await storeInstances(request());
    expect(outcome).toEqual({ kind: 'stored', httpStatus: 200, accepted: ['1.2.3.4.1', '1.2.3.4.2'], failed: [] });
    const r = got[0]!;
    expect([r.method, r.url]).toEqual(['POST', '/dicom-web/studies/1.2.3']);
    expect(r.headers['content-type']).toMatch(/^multipart\/related; type="application\/dicom"; boundary=bsnet-[0-9a-f-]{36}$/);
    expect(r.headers['accept']).toBe('application/dicom+json');
    expect(r.headers['authorization']).toBe(`Basic ${Buffer.from(`bsnet:${PASSWORD}`, 'utf8').toString('base64')}`);
    const sent = parts(r);
    expect(sent.map((p) => p.headers)).toEqual(['Content-Type: application/dicom', 'Content-Type: application/dicom']);
    expect(sent.map((p) => [...p.bytes])).toEqual(instances.map((i) => [...i.bytes]));
  });

  it('sends a bearer token, or no Authorization at all for auth none; POST /studies without a study UID', async () => {
    respond = (_req, res) => json(res, 200, {});
    got.length = 0;
    await storeInstances(request({ auth: { type: 'bearer', token: 'tok_abc' } }));
    await storeInstances(request({ auth: { type: 'none' }, studyInstanceUID: undefined }));
    expect(got[0]!.headers['authorization']).toBe('Bearer tok_abc');
    expect(got[1]!.headers['authorization']).toBeUndefined();
    expect(got[1]!.url).toBe('/dicom-web/studies');
  });

  it('reads a 202 with a Failed SOP Sequence as a partial store, naming the failed instance and its reason', async () => {
    respond = (_req, res) => json(res, 202, { '00081198': { vr: 'SQ', Value: [failedSop('1.2.3.4.2', 0xa700)] }, '00081199': { vr: 'SQ', Value: [referencedSop('1.2.3.4.1')] } });
    expect(await storeInstances(request())).toEqual({ kind: 'stored', httpStatus: 202, accepted: ['1.2.3.4.1'], failed: [{ sopInstanceUID: '1.2.3.4.2', reason: 0xa700 }] });
  });

  it('reads a 409 as none stored, with the reasons it gives, or every instance failed when it gives none', async () => {
    respond = (_req, res) => json(res, 409, { '00081198': { vr: 'SQ', Value: instances.map((i) => failedSop(i.sopInstanceUID, 0x0111)) } });
    expect(await storeInstances(request())).toEqual({ kind: 'conflict', httpStatus: 409, failed: instances.map((i) => ({ sopInstanceUID: i.sopInstanceUID, reason: 0x0111 })) });
    respond = (_req, res) => res.writeHead(409, { 'content-type': 'text/html' }).end('<h1>Conflict</h1>');
    expect(await storeInstances(request())).toEqual({ kind: 'conflict', httpStatus: 409, failed: instances.map((i) => ({ sopInstanceUID: i.sopInstanceUID })) });
  });

  it('asks for an uncompressed answer, and keeps a 200 as stored when its body cannot be decoded', async () => {
    // Regression: workerd could not gunzip Orthanc's answer, and an export Orthanc had stored was retried as unreachable.
    respond = (_req, res) => res.writeHead(200, { 'content-type': 'application/dicom+json', 'content-encoding': 'gzip' }).end('this is not gzip');
    got.length = 0;
    expect(await storeInstances(request())).toEqual({ kind: 'stored', httpStatus: 200, accepted: ['1.2.3.4.1', '1.2.3.4.2'], failed: [] });
    expect(got[0]!.headers['accept-encoding']).toBe('identity');
  });

  it('takes a 500 as refused, without reading its body into the outcome', async () => {
    respond = (_req, res) => res.writeHead(500).end(`internal error; you sent ${PASSWORD}`);
    const outcome = await storeInstances(request());
    expect(outcome).toEqual({ kind: 'refused', httpStatus: 500, error: 'the destination answered 500' });
  });

  it('does not follow a redirect (the Authorization header would go with it)', async () => {
    respond = (_req, res) => res.writeHead(307, { location: 'http://127.0.0.1:1/elsewhere' }).end();
    got.length = 0;
    expect(await storeInstances(request())).toEqual({ kind: 'refused', httpStatus: 307, error: 'the destination redirected (307; redirects are not followed)' });
    expect(got).toHaveLength(1);
  });

  it('gives up on a destination that does not answer within the timeout', async () => {
    respond = () => undefined; // never answers
    const started = Date.now();
    expect(await storeInstances(request({ timeoutMs: 300 }))).toEqual({ kind: 'unreachable', error: 'no answer within 300 ms' });
    expect(Date.now() - started).toBeLessThan(5_000);
    server.closeAllConnections();
  });

  it('reports a closed port as unreachable, with no URL or credential in the error', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const outcome = await storeInstances(request({ base: `http://127.0.0.1:${port}/dicom-web` }));
    expect(outcome).toEqual({ kind: 'unreachable', error: 'the destination could not be reached' });
    expect(JSON.stringify(outcome)).not.toMatch(new RegExp(`${port}|bsnet|${PASSWORD}`));
  });
});
