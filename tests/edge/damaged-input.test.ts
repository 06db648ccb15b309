/**
 * Damaged and hostile uploads through the real edge: every one is a 4xx problem+json naming the
 * problem, and the edge keeps serving afterwards. Files are real ones, damaged here.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Problem } from '../../shared/problem.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { compressDicom } from '../../edge/src/decode/dicom/compressed-fixtures.test-support.js';
import { joinEncapsulated, replaceAscii, splitEncapsulated } from '../../edge/src/decode/dicom/encapsulated-surgery.test-support.js';
import { mulberry32 } from '../../shared/seeded-random.js';
import { dataPath, dicom, jpegGray, pngOf, sliceJpeg, testSliceNames } from './fixtures.js';

let stack: EdgeStack;
let key: string;
const jpg = sliceJpeg(testSliceNames()[5]!);
const png = pngOf(jpegGray(jpg), 'gray16');

beforeAll(async () => {
  stack = await startEdgeStack({ vars: { MAX_BODY_BYTES: String(2 * 1024 * 1024) } });
  key = await stack.key('acme');
});
afterAll(() => stack?.stop());

async function expectProblem(body: RequestInit['body'], type: string | undefined, status: number, code: string): Promise<Problem> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (type) headers['content-type'] = type;
  const res = await stack.fetch('/v1/segment', { method: 'POST', body, headers });
  expect(res.status, code).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const problem = Problem.parse(await res.json());
  expect(problem.code).toBe(code);
  return problem;
}

function patched(bytes: Uint8Array, fn: (b: Uint8Array, dv: DataView) => void): Uint8Array {
  const b = bytes.slice();
  fn(b, new DataView(b.buffer));
  return b;
}

describe('damaged uploads', () => {
  it('zero bytes → 400 empty_upload', async () => {
    await expectProblem(new Uint8Array(0), 'image/png', 400, 'empty_upload');
  });

  it('truncated JPEG, PNG and DICOM → 422', async () => {
    await expectProblem(jpg.subarray(0, Math.floor(jpg.length / 2)), 'image/jpeg', 422, 'image_truncated');
    await expectProblem(png.subarray(0, Math.floor(png.length / 2)), 'image/png', 422, 'image_truncated');
    await expectProblem(dicom('MR_truncated.dcm'), 'application/dicom', 422, 'image_truncated');
  });

  it('a header that lies about the size → 413 before any pixel is decoded', async () => {
    // IHDR width/height at bytes 16..23: claim 60000 x 60000, with a valid chunk CRC.
    const huge = patched(png, (b, dv) => {
      dv.setUint32(16, 60000);
      dv.setUint32(20, 60000);
      dv.setUint32(29, crc32(b.subarray(12, 29)));
    });
    const p = await expectProblem(huge, 'image/png', 413, 'image_too_large');
    expect(p.detail).toMatch(/60000/);
  });

  it('wrong or contradicting content type → 415', async () => {
    await expectProblem(jpg, 'image/gif', 415, 'unsupported_media_type');
    await expectProblem(jpg, 'image/png', 415, 'content_type_mismatch');
    await expectProblem(new TextEncoder().encode('hello, not an image'), 'application/octet-stream', 415, 'unsupported_media_type');
  });

  it('a compressed DICOM in a syntax without a codec names its transfer syntax in the 415', async () => {
    // JPEG2000.dcm relabelled as JPEG 2000 Part 2 (same UID length), which is not decoded.
    const part2 = replaceAscii(dicom('JPEG2000.dcm'), '1.2.840.10008.1.2.4.91', '1.2.840.10008.1.2.4.93');
    const p = await expectProblem(part2, 'application/dicom', 415, 'unsupported_transfer_syntax');
    expect(p.detail).toMatch(/JPEG 2000 Part 2 Multi-component Image Compression \(1\.2\.840\.10008\.1\.2\.4\.93\)/);
  });

  it('damaged compressed DICOM → 422 naming the problem, and the isolate decodes the next good file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bsnet-edge-damaged-'));
    try {
      const jls = new Uint8Array(readFileSync(await compressDicom(fileURLToPath(dataPath('dicom/CT_small.dcm')), 'jpeg-ls-lossless', dir)));
      const cut = splitEncapsulated(jls);
      cut.fragments[0] = cut.fragments[0]!.subarray(0, 2000);
      await expectProblem(joinEncapsulated(cut), 'application/dicom', 422, 'codestream_truncated');
      await expectProblem(jls.subarray(0, jls.length - 300), 'application/dicom', 422, 'codestream_truncated');
      const next = mulberry32(5);
      for (const name of ['JPEG2000.dcm', 'MR_small_jpeg_ls_lossless.dcm', 'JPEG-lossy.dcm']) {
        for (let copy = 0; copy < 6; copy++) {
          const parts = splitEncapsulated(dicom(name));
          const f = parts.fragments[0]!;
          for (let k = 0; k < 4; k++) f[Math.floor(next() * Math.min(f.length, copy % 2 ? f.length : 80))]! ^= 1 << Math.floor(next() * 8);
          const res = await stack.fetch('/v1/segment', { method: 'POST', body: joinEncapsulated(parts), headers: { authorization: `Bearer ${key}`, 'content-type': 'application/dicom' } });
          expect(res.status, `${name} copy ${copy}`).toBeLessThan(500);
          await res.arrayBuffer();
        }
      }
      const good = await stack.fetch('/v1/segment', { method: 'POST', body: dicom('JPEG2000.dcm'), headers: { authorization: `Bearer ${key}`, 'content-type': 'application/dicom' } });
      expect(good.status).toBe(200);
      await good.arrayBuffer();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a body over the limit → 413 body_too_large', async () => {
    await expectProblem(new Uint8Array(3 * 1024 * 1024), 'image/png', 413, 'body_too_large');
  });

  it('random bit flips in a real JPEG and PNG give 200 or a 4xx, never a 5xx', async () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (const [bytes, type] of [[jpg, 'image/jpeg'], [png, 'image/png']] as const) {
      for (let i = 0; i < 12; i++) {
        const flipped = patched(bytes, (b) => {
          for (let k = 0; k < 8; k++) b[Math.floor(rand() * b.length)]! ^= 1 << Math.floor(rand() * 8);
        });
        const res = await stack.fetch('/v1/segment', { method: 'POST', body: flipped, headers: { authorization: `Bearer ${key}`, 'content-type': type } });
        expect(res.status, `${type} flip ${i}`).toBeLessThan(500);
        await res.arrayBuffer();
      }
    }
  });

  it('still serves a good upload after all of the above', async () => {
    const res = await stack.fetch('/v1/segment', { method: 'POST', body: jpg, headers: { authorization: `Bearer ${key}`, 'content-type': 'image/jpeg' } });
    expect(res.status).toBe(200);
  });
});

