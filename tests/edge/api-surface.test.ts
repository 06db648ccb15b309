/**
 * The public surface around segmentation: the OpenAPI document (generated from the zod schemas),
 * the docs page, security headers, no-store, request ids, 404s as problem+json, and logs that
 * never carry upload data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { seriesForm, sliceJpeg, testSliceNames } from './fixtures.js';

let stack: EdgeStack;
beforeAll(async () => {
  stack = await startEdgeStack();
});
afterAll(() => stack?.stop());

describe('API surface', () => {
  it('serves an OpenAPI 3.1 document with the segment, tokens and health operations and their schemas', async () => {
    const res = await stack.fetch('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as any;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/segment', '/v1/tokens', '/v1/health']));
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['SliceResult', 'SeriesResult', 'TokenRequest', 'TokenResponse', 'Problem']));
    expect(doc.components.schemas.SliceResult.required).toEqual(expect.arrayContaining(['sha256', 'cached', 'lesionCount', 'mask']));
    expect(doc.paths['/v1/segment'].post.parameters.map((p: any) => p.name)).toEqual(['probability', 'labels', 'frame', 'window', 'windowCenter', 'windowWidth']);
    // Every $ref resolves.
    for (const ref of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) expect(doc.components.schemas[ref[1]!], ref[1]).toBeDefined();
  });

  it('serves a docs page rendered from that document', async () => {
    const res = await stack.fetch('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('/v1/segment');
    expect(html).toContain('createUploadToken');
    // Every lung number explained in a table of its own, with what the numbers are not.
    expect(html).toContain('The numbers, and what they are not');
    for (const id of ['SliceResult', 'LungFigures', 'LungPartFigures', 'SeriesLungInvolvement', 'LungVolume']) expect(html).toContain(`id="numbers-${id}"`);
    expect(html).toContain('not a diagnosis');
    expect(html).toContain('<code>involvementPercent</code>');
    expect(html).not.toMatch(/<script/i);
    expect((await stack.fetch('/', { redirect: 'manual' })).headers.get('location')).toBe('/docs');
  });

  it('sets security headers, no-store and a request id on every answer, errors included', async () => {
    for (const res of [await stack.fetch('/openapi.json'), await stack.fetch('/v1/segment', { method: 'POST' })]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('answers unknown routes with a problem+json 404', async () => {
    const res = await stack.fetch('/v2/nothing');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'not_found', status: 404 });
  });

  it('logs requests without file names, hashes or credentials', async () => {
    const key = await stack.key('acme');
    const filename = 'Jane_Doe_1961-02-03_CT.jpg';
    const form = seriesForm([{ bytes: sliceJpeg(testSliceNames()[30]!), type: 'image/jpeg', filename }]);
    const res = await stack.fetch('/v1/segment', { method: 'POST', body: form, headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    const { slices } = (await res.json()) as { slices: { sha256: string }[] };
    const logs = stack.logs().join('\n');
    expect(logs).toContain('"event":"request"');
    expect(logs).not.toContain('Jane_Doe');
    expect(logs).not.toContain(slices[0]!.sha256);
    expect(logs).not.toContain(key);
  });
});
