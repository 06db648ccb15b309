/**
 * The slice queue's dead-letter consumer (failDeadLetters) on the real Worker and miniflare's
 * queues, as wrangler.toml wires them: a message that crashes the consumer on every delivery
 * (its upload replaced in R2 by bytes that are no image, which the batch does not survive) is
 * retried max_retries times, lands in the dead-letter queue, and there becomes a failed slice,
 * never a lost one; the study fails and the upload is deleted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { ctSeries, readBytes } from './study-fixtures.js';

let stack: EdgeStack;
let key: string;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bsnet-dead-letter-'));
  stack = await startEdgeStack();
  key = await stack.key('acme');
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const auth = () => ({ authorization: `Bearer ${key}` });

describe('the dead-letter queue consumer', () => {
  it('marks a slice whose message kept crashing the consumer failed, fails the study and deletes the upload', async () => {
    const created = await stack.fetch('/v1/studies', { method: 'POST', body: '{}', headers: { ...auth(), 'content-type': 'application/json' } });
    const { id } = (await created.json()) as { id: string };
    const [path] = await ctSeries(dir, { from: 40, count: 1, size: 64, spacingMm: 2.5 });
    const res = await stack.fetch(`/v1/studies/${id}/instances`, { method: 'POST', body: readBytes(path!) as Uint8Array<ArrayBuffer>, headers: { ...auth(), 'content-type': 'application/dicom' } });
    const { instances } = (await res.json()) as { instances: { sopInstanceUID: string }[] };
    // Replace the stored upload with bytes that are no image: reading it throws out of the whole batch.
    const uploads = (await stack.env.STUDIES.list({ prefix: `studies/acme/${id}/in/` })).objects;
    expect(uploads).toHaveLength(1);
    await stack.env.STUDIES.put(uploads[0]!.key, new TextEncoder().encode('not an image at all'));

    expect((await stack.fetch(`/v1/studies/${id}/commit`, { method: 'POST', headers: auth() })).status).toBe(202);
    let study: any;
    for (const started = Date.now(); Date.now() - started < 90_000; await new Promise((r) => setTimeout(r, 250))) {
      study = await (await stack.fetch(`/v1/studies/${id}`, { headers: auth() })).json();
      if (study.status === 'failed' || study.status === 'completed') break;
    }
    expect(study).toMatchObject({ status: 'failed', progress: { slicesTotal: 1, slicesDone: 0, slicesFailed: 1 } });
    expect(study.series[0].slices).toEqual([
      expect.objectContaining({ sopInstanceUID: instances[0]!.sopInstanceUID, state: 'failed', reason: 'processing_failed: the slice could not be processed (dead-lettered)' }),
    ]);
    // Only failDeadLetters writes that reason: the message went through the dead-letter queue. Its upload is gone.
    expect((await stack.env.STUDIES.list({ prefix: `studies/acme/${id}/` })).objects).toEqual([]);
  }, 120_000);
});
