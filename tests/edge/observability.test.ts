/**
 * What leaves the edge for Workers observability (security review: full URLs with query strings
 * were being kept, and a caller may put a patient id in a query). The deployed config keeps our
 * own structured console lines only: no invocation logs, query strings redacted, no traces; and
 * those lines name the route pattern, never the URL, as the real Worker writes them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { sliceJpeg, testSliceNames } from './fixtures.js';

describe('wrangler.toml observability', () => {
  // readConfig validates and normalises as `wrangler deploy` does, so a misspelt key fails here.
  const { observability } = unstable_readConfig({ config: 'wrangler.toml' });

  it('keeps Workers Logs on for our own console lines', () => {
    expect(observability?.enabled).toBe(true);
    expect(observability?.logs?.enabled).not.toBe(false);
    expect(observability?.head_sampling_rate ?? 1).toBe(1);
  });

  it('records no invocation logs, strips query strings, and keeps no traces', () => {
    expect(observability?.logs?.invocation_logs).toBe(false);
    expect(observability?.redact_query_string).toBe(true);
    expect(observability?.traces?.enabled ?? false).toBe(false);
  });
});

describe('the access log the Worker writes', () => {
  let stack: EdgeStack;
  beforeAll(async () => {
    stack = await startEdgeStack();
  });
  afterAll(() => stack?.stop());

  const MARKER = 'PATIENT-4711';

  it('names the route pattern, never the URL or its query', async () => {
    const key = await stack.key('acme');
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'image/jpeg' };
    const ok = await stack.fetch(`/v1/segment?patientId=${MARKER}&probability=1`, { method: 'POST', body: sliceJpeg(testSliceNames()[0]!), headers });
    expect(ok.status).toBe(200);
    const bad = await stack.fetch(`/v1/segment?windowWidth=${MARKER}`, { method: 'POST', body: sliceJpeg(testSliceNames()[0]!), headers });
    expect(bad.status).toBe(400);
    expect((await stack.fetch(`/v1/${MARKER}?id=${MARKER}`)).status).toBe(404);

    const lines = stack.logs();
    expect(lines.join('\n')).not.toContain(MARKER);
    const requests = lines.flatMap((l) => {
      try {
        const entry = JSON.parse(l) as { event?: string; route?: string; status?: number };
        return entry.event === 'request' ? [entry] : [];
      } catch {
        return [];
      }
    });
    expect(requests).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ route: '/v1/segment', status: 200 }),
        expect.objectContaining({ route: '/v1/segment', status: 400 }),
        expect.objectContaining({ status: 404 }),
      ]),
    );
    for (const r of requests) expect(r.route, 'a route pattern, not a path').not.toContain(MARKER);
  });
});
