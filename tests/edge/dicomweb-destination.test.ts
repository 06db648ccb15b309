/**
 * PUT/GET/DELETE /v1/dicomweb-destination on the real Worker (wrangler's harness: workerd with
 * miniflare's D1): only a key with `tenant:admin` may, the password or token never comes back in
 * any answer or in the Worker's logs, D1 holds a ciphertext instead of it, a URL the policy
 * refuses is a 400 problem+json naming `url`, and one tenant never sees another's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Problem } from '../../shared/problem.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';

const PASSWORD = 'Pacs-Password-4f9c1e-never-shown';
const TOKEN = 'bearer-token-8d2a77-never-shown';

let stack: EdgeStack;
let admin: string;
let otherAdmin: string;
let segmentKey: string;
const answers: string[] = [];

beforeAll(async () => {
  stack = await startEdgeStack({ workers: 0, extraOrigins: ['http://127.0.0.1:9'] });
  admin = await stack.key('acme', ['tenant:admin']);
  otherAdmin = await stack.key('globex', ['tenant:admin', 'segment']);
  segmentKey = await stack.key('acme');
}, 120_000);
afterAll(() => stack?.stop());

/** A call to the route; every answer body is kept, to check none holds a secret. */
async function call(method: string, key: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; json: any }> {
  const res = await stack.fetch('/v1/dicomweb-destination', {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  answers.push(text);
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

const basic = { url: 'https://pacs.example/dicom-web', auth: { type: 'basic', username: 'bsnet-export', password: PASSWORD } };

describe('DICOMweb destination routes', () => {
  it('PUT creates (201) and replaces (200), GET shows the URL, auth type and username only, DELETE removes', async () => {
    const created = await call('PUT', admin, basic);
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ url: 'https://pacs.example/dicom-web', auth: { type: 'basic', username: 'bsnet-export' }, createdAt: expect.any(String), updatedAt: expect.any(String) });
    const got = await call('GET', admin);
    expect(got).toEqual({ status: 200, json: created.json });

    const replaced = await call('PUT', admin, { url: 'https://pacs2.example/dicomweb/', auth: { type: 'bearer', token: TOKEN } });
    expect(replaced.status).toBe(200);
    expect(replaced.json).toMatchObject({ url: 'https://pacs2.example/dicomweb/', auth: { type: 'bearer' }, createdAt: created.json.createdAt });
    expect(replaced.json.auth.username).toBeUndefined();

    expect((await call('DELETE', admin)).status).toBe(204);
    const gone = await call('GET', admin);
    expect(gone.status).toBe(404);
    expect(Problem.parse(gone.json).code).toBe('destination_not_found');
    expect((await call('DELETE', admin)).status).toBe(404);
  });

  it('keeps a ciphertext in D1, not the password; neither answers nor the Worker logs ever carry it', async () => {
    expect((await call('PUT', admin, basic)).status).toBe(201);
    const row = await stack.env.DB.prepare('SELECT * FROM dicomweb_destinations WHERE tenant = ?').bind('acme').first<Record<string, string | number | null>>();
    expect(row).toMatchObject({ auth_type: 'basic', username: 'bsnet-export', url: 'https://pacs.example/dicom-web' });
    expect(JSON.stringify(row)).not.toContain(PASSWORD);
    const ciphertext = Uint8Array.from(atob(String(row!['secret_ct'])), (c) => c.charCodeAt(0));
    // AES-GCM: the password's length plus the 16-byte tag, and not the password's bytes.
    expect(ciphertext.length).toBe(PASSWORD.length + 16);
    expect(new TextDecoder().decode(ciphertext)).not.toContain(PASSWORD.slice(0, 8));
    expect(atob(String(row!['secret_iv']))).toHaveLength(12);
    // A second PUT of the same password seals it afresh (a new IV).
    await call('PUT', admin, basic);
    const again = await stack.env.DB.prepare('SELECT secret_iv, secret_ct FROM dicomweb_destinations WHERE tenant = ?').bind('acme').first();
    expect(again).not.toEqual({ secret_iv: row!['secret_iv'], secret_ct: row!['secret_ct'] });

    await call('PUT', admin, { url: 'https://pacs.example/dicom-web', auth: { type: 'bearer', token: TOKEN } });
    await call('PUT', admin, basic);
    const everything = [...answers, ...stack.logs()].join('\n');
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(btoa(`bsnet-export:${PASSWORD}`));
    expect(stack.logs().join('\n')).toContain('"route":"/v1/dicomweb-destination"');
  });

  it('refuses URLs the policy refuses with 400 problem+json naming url, and bodies that are not a destination naming their field', async () => {
    const refused = [
      'ftp://pacs.example/dicom-web',
      'http://10.0.0.5/dicom-web',
      'http://169.254.169.254/latest',
      'http://[::1]:8042/dicom-web',
      'http://192.168.1.20/dicom-web',
      'https://user:pass@pacs.example/dicom-web',
      'https://pacs.example/dicom-web?token=abc',
      'https://pacs.local/dicom-web',
      'not a url',
    ];
    for (const url of refused) {
      const res = await call('PUT', admin, { ...basic, url });
      expect(res.status, url).toBe(400);
      expect(res.json, url).toMatchObject({ code: 'invalid_parameter', field: 'url', status: 400 });
      expect(res.json.detail, url).toMatch(/^url: /);
    }
    const bad: [unknown, string][] = [
      [{ url: basic.url }, 'auth'],
      [{ url: basic.url, auth: { type: 'basic', username: 'u' } }, 'auth.password'],
      [{ url: basic.url, auth: { type: 'basic', username: 'a:b', password: PASSWORD } }, 'auth.username'],
      [{ url: basic.url, auth: { type: 'digest', password: PASSWORD } }, 'auth.type'],
      [{ url: basic.url, auth: { type: 'none' }, extra: 1 }, 'extra'],
    ];
    for (const [body, field] of bad) {
      const res = await call('PUT', admin, body);
      expect(res.status, field).toBe(400);
      expect(res.json, field).toMatchObject({ code: 'invalid_parameter', field });
    }
    expect((await call('PUT', admin, '{not json')).json).toMatchObject({ code: 'invalid_json', field: 'body' });
    expect((await call('PUT', admin, JSON.stringify(basic), 'text/plain')).status).toBe(415);
    expect(answers.join('\n')).not.toContain(PASSWORD);
  });

  it('allows http to 127.0.0.1 in development (tests point it at a local PACS)', async () => {
    const res = await call('PUT', admin, { url: 'http://127.0.0.1:8042/dicom-web/', auth: { type: 'none' } });
    expect(res.status).toBe(200);
    expect(res.json.url).toBe('http://127.0.0.1:8042/dicom-web/');
  });

  it("keeps tenants apart: another tenant's admin sees and deletes only its own", async () => {
    await call('PUT', admin, basic);
    const theirs = await call('GET', otherAdmin);
    expect(theirs.status).toBe(404);
    expect((await call('DELETE', otherAdmin)).status).toBe(404);
    expect((await call('PUT', otherAdmin, { url: 'https://globex.example/dicom-web', auth: { type: 'none' } })).status).toBe(201);
    expect((await call('GET', admin)).json.url).toBe('https://pacs.example/dicom-web');
    expect((await call('GET', otherAdmin)).json).toMatchObject({ url: 'https://globex.example/dicom-web', auth: { type: 'none' } });
  });

  it('needs the tenant:admin scope: a segmenting key and an upload token get 403 naming the scope', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await call(method, segmentKey, method === 'PUT' ? basic : undefined);
      expect(res.status, method).toBe(403);
      expect(res.json, method).toMatchObject({ code: 'insufficient_scope', field: 'scope' });
    }
    const minted = await stack.fetch('/v1/tokens', { method: 'POST', headers: { authorization: `Bearer ${segmentKey}` } });
    const { token } = (await minted.json()) as { token: string };
    expect((await call('GET', token)).status).toBe(403);
    expect((await stack.fetch('/v1/dicomweb-destination')).status).toBe(401);
  });
});
