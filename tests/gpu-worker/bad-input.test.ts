/**
 * Damaged and hostile bodies, all correctly signed: every one gets a 4xx problem+json naming
 * what is wrong, and the worker keeps serving afterwards. Includes real files from
 * ../shared/data sent where a frame belongs, and real slices cut short.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../shared/frame-codec.js';
import type { Problem } from '../../shared/problem.js';
import { infer, postRaw, readProblem, requestHeader, SIZE, startHarness, testSlice, type Harness } from './worker-harness.js';

const DATA = new URL('../../../shared/data/', import.meta.url);
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ BSNET_MAX_SLICES_PER_REQUEST: '4' });
});
afterAll(() => h.stop());

async function expectProblem(res: Response, status: number, code: string): Promise<Problem> {
  expect(res.status).toBe(status);
  const body = await readProblem(res);
  expect(body).toMatchObject({ status, code });
  expect(body.detail).toBeTruthy();
  return body;
}

const slice = testSlice(7);

describe('gpu-worker rejects bad input with problem+json', () => {
  it('a real JPEG, PNG and DICOM file where a frame belongs', async () => {
    for (const file of ['covid-semiseg/test/images/18.jpg', 'covid-semiseg/test/masks/18.png', 'dicom/CT_small.dcm']) {
      const bytes = new Uint8Array(await readFile(new URL(file, DATA)));
      await expectProblem(await postRaw(h.worker.url, bytes), 400, 'frame_bad_magic');
    }
  });

  it('zero bytes, and a frame cut inside its prefix', async () => {
    await expectProblem(await postRaw(h.worker.url, new Uint8Array(0)), 400, 'frame_truncated');
    await expectProblem(await postRaw(h.worker.url, encodeFrame(requestHeader(1), [slice]).subarray(0, 6)), 400, 'frame_truncated');
  });

  it('a frame truncated inside its header, and one truncated inside its pixels', async () => {
    const full = encodeFrame(requestHeader(1), [slice]);
    await expectProblem(await postRaw(h.worker.url, full.subarray(0, 20)), 400, 'frame_truncated');
    const body = await expectProblem(await postRaw(h.worker.url, full.subarray(0, full.length - 1000)), 400, 'payload_size_mismatch');
    expect(body.field).toBe('payload');
  });

  it('real CT pixels that are not the model size (a DICOM slice body as payload)', async () => {
    const dicom = new Uint8Array(await readFile(new URL('dicom/CT_small.dcm', DATA)));
    await expectProblem(await postRaw(h.worker.url, encodeFrame(requestHeader(1), [dicom])), 400, 'payload_size_mismatch');
  });

  it('a header that is not JSON, and a header length that lies', async () => {
    const prefix = new Uint8Array([0x42, 0x53, 0x4e, 0x31, 5, 0, 0, 0]);
    const notJson = new Uint8Array([...prefix, 0x7b, 0x7b, 0xff, 0xfe, 0x00]);
    await expectProblem(await postRaw(h.worker.url, notJson), 400, 'frame_header_not_json');
    const lying = new Uint8Array([0x42, 0x53, 0x4e, 0x31, 0xff, 0xff, 0xff, 0x7f, 0x7b, 0x7d]);
    await expectProblem(await postRaw(h.worker.url, lying), 400, 'frame_header_too_large');
  });

  it('negative, zero, fractional and absurd dimensions name the field', async () => {
    const cases: [unknown, string][] = [
      [{ width: -352, height: 352, originalWidth: 512, originalHeight: 512 }, 'slices[0].width'],
      [{ width: 352, height: 0, originalWidth: 512, originalHeight: 512 }, 'slices[0].height'],
      [{ width: 352, height: 352, originalWidth: 51.5, originalHeight: 512 }, 'slices[0].originalWidth'],
      [{ width: 352, height: 352, originalWidth: 512, originalHeight: 1e9 }, 'slices[0].originalHeight'],
    ];
    for (const [meta, field] of cases) {
      const body = await expectProblem(await postRaw(h.worker.url, encodeFrame({ version: 1, slices: [meta] }, [slice])), 400, 'invalid_header');
      expect(body.field).toBe(field);
    }
  });

  it('a slice size other than the model input size is 422', async () => {
    const small = new Uint8Array(351 * 351);
    const body = await expectProblem(
      await postRaw(h.worker.url, encodeFrame({ version: 1, slices: [{ width: 351, height: 351, originalWidth: 351, originalHeight: 351 }] }, [small])),
      422,
      'slice_size_mismatch',
    );
    expect(body.field).toBe('slices[0]');
  });

  it('wrong counts: more pixels than slices, no slices, unknown version, unknown fields', async () => {
    await expectProblem(await postRaw(h.worker.url, encodeFrame(requestHeader(1), [slice, slice])), 400, 'payload_size_mismatch');
    await expectProblem(await postRaw(h.worker.url, encodeFrame({ version: 1, slices: [] }, [])), 400, 'invalid_header');
    await expectProblem(await postRaw(h.worker.url, encodeFrame({ ...requestHeader(1), version: 2 }, [slice])), 400, 'invalid_header');
    await expectProblem(await postRaw(h.worker.url, encodeFrame({ ...requestHeader(1), patientName: 'x' }, [slice])), 400, 'invalid_header');
  });

  it('a huge batch: too many slices is 413, and a body over the limit is 413 before anything is parsed', async () => {
    // The header claims 5 slices (limit 4) while the body is small: refused on the count, before the pixels.
    const tooMany = await expectProblem(await postRaw(h.worker.url, encodeFrame(requestHeader(5), [slice])), 413, 'too_many_slices');
    expect(tooMany.field).toBe('slices');
    const huge = new Uint8Array(h.config.maxSlicesPerRequest * SIZE * SIZE + 200_000);
    await expectProblem(await postRaw(h.worker.url, huge), 413, 'body_too_large');
  });

  it('a wrong content type is 415', async () => {
    await expectProblem(await postRaw(h.worker.url, encodeFrame(requestHeader(1), [slice]), { contentType: 'application/json' }), 415, 'unsupported_content_type');
  });

  it('keeps serving good requests after all of the above', async () => {
    const r = await infer(h.worker.url, [slice]);
    expect(r.status).toBe(200);
    const metrics = await (await fetch(h.worker.url + '/metrics')).text();
    expect(metrics).toMatch(/bsnet_inference_request_failure_total\{reason="invalid_header"\} \d+/);
  });
});

