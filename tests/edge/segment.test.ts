/**
 * POST /v1/segment end to end: real uploads through the real edge (workerd) to a real GPU worker,
 * checking the answer against the worker called directly with the same preprocessed slice.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import UPNG from 'upng-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeriesResult, SliceResult } from '../../edge/src/api/segment-response.js';
import { nodeCodecWasm } from '../../edge/src/decode/dicom/codecs/codec-wasm.node.js';
import { compressDicom } from '../../edge/src/decode/dicom/compressed-fixtures.test-support.js';
import { ctSliceDicom } from '../../edge/src/decode/dicom/ct-slice.test-support.js';
import { image } from '../../edge/src/decode/dicom/dicom-builder.test-support.js';
import { decodeUpload } from '../../edge/src/upload/decode-upload.js';
import { classifyUpload } from '../../edge/src/upload/read-slices.js';
import { toGray8 } from '../../edge/src/imaging/to-gray8.js';
import { toModelInput } from '../../edge/src/imaging/model-input.js';
import { maskFromProbability, probabilityAtOriginalSize } from '../../edge/src/imaging/probability-map.js';
import { withExif } from '../../edge/src/decode/exif-segment.test-support.js';
import { infer, SIZE } from '../gpu-worker/worker-harness.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { dataPath, dicom, jpegGray, pngOf, seriesForm, sliceJpeg, testSliceNames } from './fixtures.js';

let stack: EdgeStack;
let key: string;
const SLICE = testSliceNames()[0]!;

beforeAll(async () => {
  stack = await startEdgeStack({ vars: { MAX_SLICES_PER_REQUEST: '4' } });
  key = await stack.key('acme');
});
afterAll(() => stack?.stop());

function post(body: RequestInit['body'], type: string | undefined, opts: { accept?: string; query?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (type) headers['content-type'] = type;
  if (opts.accept) headers['accept'] = opts.accept;
  return stack.fetch(`/v1/segment${opts.query ?? ''}`, { method: 'POST', body, headers });
}

/** Decodes an answer PNG with upng-js (not the edge's own code), checking it is 8-bit gray. */
function decodePngGray(bytes: Uint8Array): { width: number; height: number; data: Uint8Array } {
  const img = UPNG.decode(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  expect([img.ctype, img.depth]).toEqual([0, 8]);
  const rgba = new Uint8Array(UPNG.toRGBA8(img)[0]!);
  const data = new Uint8Array(img.width * img.height);
  for (let i = 0; i < data.length; i++) data[i] = rgba[i * 4]!;
  return { width: img.width, height: img.height, data };
}

/** What the mask must be: the same upload preprocessed here and run on the worker directly. */
async function expectedMask(bytes: Uint8Array, type: string, probability = false, frame = 1): Promise<Uint8Array> {
  const decoded = await decodeUpload(classifyUpload(bytes, type, 'body'), nodeCodecWasm, frame - 1);
  const input = toModelInput(toGray8(decoded), SIZE);
  const out = await infer(stack.workers[0]!.worker.url, [input.pixels]);
  if (!out.ok) throw new Error(`direct worker call failed: ${out.status}`);
  const prob = probabilityAtOriginalSize(out.maps[0]!, SIZE, input.originalWidth, input.originalHeight);
  return probability ? prob.data : maskFromProbability(prob.data);
}

describe('one slice, raw body', () => {
  it('answers a real JPEG slice with its mask, statistics and model, matching the worker called directly', async () => {
    const bytes = sliceJpeg(SLICE);
    const res = await post(bytes, 'image/jpeg');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = SliceResult.parse(await res.json());
    const { width, height } = jpegGray(bytes);
    expect(body).toMatchObject({ index: 0, width, height, model: stack.model });
    const mask = decodePngGray(Buffer.from(body.mask.data, 'base64'));
    expect([mask.width, mask.height]).toEqual([width, height]);
    expect(new Set(mask.data)).toEqual(new Set([...mask.data].filter((v) => v === 0 || v === 255)));
    expect(body.infectedPixels).toBe(mask.data.filter((v) => v === 255).length);
    expect(body.infectedFraction).toBeCloseTo(body.infectedPixels / (width * height), 12);
    expect(mask.data).toEqual(await expectedMask(bytes, 'image/jpeg'));
  });

  it('gives the binary mask as a PNG with Accept: image/png, and the probability map with ?probability=1', async () => {
    const bytes = sliceJpeg(SLICE);
    const res = await post(bytes, 'image/jpeg', { accept: 'image/png' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('x-model-version')).toBe(`${stack.model.name}@${stack.model.version}`);
    const mask = decodePngGray(new Uint8Array(await res.arrayBuffer()));
    expect(mask.data).toEqual(await expectedMask(bytes, 'image/jpeg'));

    const probRes = await post(bytes, 'image/jpeg', { accept: 'image/png', query: '?probability=1' });
    const prob = decodePngGray(new Uint8Array(await probRes.arrayBuffer()));
    expect(prob.data).toEqual(await expectedMask(bytes, 'image/jpeg', true));
    expect(new Set(prob.data).size).toBeGreaterThan(2);
  });

  it('answers 8-bit, 16-bit and RGB PNGs of the same pixels with the same mask (16-bit samples kept, not truncated)', async () => {
    const gray = jpegGray(sliceJpeg(SLICE));
    const masks: string[] = [];
    for (const form of ['gray8', 'gray16', 'rgb'] as const) {
      const res = await post(pngOf(gray, form), 'image/png');
      expect(res.status, form).toBe(200);
      const body = SliceResult.parse(await res.json());
      expect([body.width, body.height]).toEqual([gray.width, gray.height]);
      masks.push(body.mask.data);
    }
    expect(new Set(masks).size).toBe(1);
  });

  it('applies EXIF orientation: a phone photo rotated 90° answers at the upright size', async () => {
    const bytes = sliceJpeg(SLICE);
    const { width, height } = jpegGray(bytes);
    for (const orientation of [6, 8]) {
      const res = await post(withExif(bytes, orientation), 'image/jpeg');
      expect(res.status).toBe(200);
      const body = SliceResult.parse(await res.json());
      expect([body.width, body.height]).toEqual([height, width]);
    }
  });

  it('decodes a 12 MP phone photo of a slice (colour, EXIF 6) inside the isolate, answering at its upright size', async () => {
    // PIL writes the photo: a real slice on a dark background, 4:2:0, quality 90, Orientation 6.
    const script = [
      'import io, sys; from PIL import Image',
      'p = Image.new("RGB", (4000, 3000), (40, 44, 52))',
      'p.paste(Image.open(sys.argv[1]).convert("RGB").resize((2400, 2400)), (800, 300))',
      'e = Image.Exif(); e[0x0112] = 6; b = io.BytesIO(); p.save(b, "JPEG", quality=90, subsampling=2, exif=e.tobytes())',
      'sys.stdout.buffer.write(b.getvalue())',
    ].join('\n');
    const run = spawnSync('/usr/bin/python3', ['-c', script, fileURLToPath(dataPath(`covid-semiseg/test/images/${SLICE}`))], { maxBuffer: 64 << 20 });
    if (run.status !== 0) {
      if (process.env['CI']) throw new Error(`PIL is needed: ${run.stderr}`);
      console.warn('skipped: /usr/bin/python3 with PIL is not available');
      return;
    }
    const photo = new Uint8Array(run.stdout);
    const res = await post(photo, 'image/jpeg');
    expect(res.status).toBe(200);
    const body = SliceResult.parse(await res.json());
    expect([body.width, body.height]).toEqual([3000, 4000]);
    const mask = decodePngGray(Buffer.from(body.mask.data, 'base64'));
    expect([mask.width, mask.height]).toEqual([3000, 4000]);
  });

  it('accepts application/octet-stream and judges the format by its bytes', async () => {
    const res = await post(sliceJpeg(SLICE), 'application/octet-stream');
    expect(res.status).toBe(200);
  });
});

describe('DICOM', () => {
  const expected: Record<string, number> = {
    'CT_small.dcm': 200, 'MR_small.dcm': 200, 'MR_small_implicit.dcm': 200, 'MR_small_bigendian.dcm': 200, 'MR_small_expb.dcm': 200,
    'MR_small_padded.dcm': 200, 'image_dfl.dcm': 200, 'SC_rgb_small_odd.dcm': 200, 'ExplVR_BigEnd.dcm': 200,
    // Compressed (RLE, JPEG-LS, JPEG 2000, 12-bit JPEG): decoded in workerd by the codecs in the bundle.
    'MR_small_RLE.dcm': 200, 'MR_small_jpeg_ls_lossless.dcm': 200, 'MR_small_jp2klossless.dcm': 200, 'JPEG-lossy.dcm': 200, 'JPEG2000.dcm': 200,
    'no_meta.dcm': 415, 'liver_1frame.dcm': 422, 'liver_expb_1frame.dcm': 422, 'MR_truncated.dcm': 422, 'rtplan.dcm': 422,
    'rtplan_truncated.dcm': 422, 'badVR.dcm': 422, 'meta_missing_tsyntax.dcm': 422,
  };

  it('answers every DICOM file in ../shared/data/dicom with its expected outcome', async () => {
    for (const [name, status] of Object.entries(expected)) {
      const res = await post(dicom(name), 'application/dicom');
      expect(res.status, name).toBe(status);
      if (status === 200) {
        expect(SliceResult.parse(await res.json()).width, name).toBeGreaterThan(0);
      } else {
        expect(res.headers.get('content-type'), name).toBe('application/problem+json');
        await res.arrayBuffer();
      }
    }
  });

  it('answers the lossless compressed copies of MR_small with the mask of the uncompressed file', async () => {
    const reference = SliceResult.parse(await (await post(dicom('MR_small.dcm'), 'application/dicom')).json());
    for (const name of ['MR_small_RLE.dcm', 'MR_small_jpeg_ls_lossless.dcm', 'MR_small_jp2klossless.dcm']) {
      const result = SliceResult.parse(await (await post(dicom(name), 'application/dicom')).json());
      expect(result.mask, name).toEqual(reference.mask);
      expect(result.infectedPixels, name).toBe(reference.infectedPixels);
    }
  });

  it('segments the frame asked for (?frame=, from 1), or every frame (?frame=all), of a multi-frame compressed DICOM, each cached under its own key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bsnet-frames-'));
    try {
      const source = await ctSliceDicom({ jpegPath: fileURLToPath(dataPath(`covid-semiseg/test/images/${SLICE}`)), outPath: join(dir, 'three.dcm'), storage: 'signed', size: 256, frames: 3 });
      const bytes = new Uint8Array(readFileSync(await compressDicom(source, 'jpeg-ls-lossless', dir, { fragmentKiB: 4, offsetTable: false })));
      const maskOf = async (res: Response) => decodePngGray(Buffer.from(SliceResult.parse(await res.json()).mask.data, 'base64')).data;
      const first = await post(bytes, 'application/dicom');
      expect(first.status).toBe(200);
      expect(await maskOf(first)).toEqual(await expectedMask(bytes, 'application/dicom', false, 1));
      const third = await post(bytes, 'application/dicom', { query: '?frame=3' });
      expect([third.status, third.headers.get('x-cache')]).toEqual([200, 'MISS']);
      const thirdMask = await maskOf(third);
      expect(thirdMask).toEqual(await expectedMask(bytes, 'application/dicom', false, 3));
      const again = await post(bytes, 'application/dicom', { query: '?frame=3' });
      expect([again.status, again.headers.get('x-cache')]).toEqual([200, 'HIT']);
      expect(await maskOf(again)).toEqual(thirdMask);

      // frame=all: every frame as a series, each its own cached result (frame 3 is a hit from above).
      const all = await post(bytes, 'application/dicom', { query: '?frame=all' });
      expect(all.status).toBe(200);
      const series = SeriesResult.parse(await all.json());
      expect(series.slices.map((r) => [r.index, r.frame, r.cached])).toEqual([[0, 1, true], [0, 2, false], [0, 3, true]]);
      for (const r of series.slices) {
        expect(decodePngGray(Buffer.from(r.mask.data, 'base64')).data, `frame ${r.frame}`).toEqual(await expectedMask(bytes, 'application/dicom', false, r.frame));
      }
      const form = seriesForm([{ bytes: sliceJpeg(SLICE), type: 'image/jpeg' }, { bytes, type: 'application/dicom' }]);
      const mixed = SeriesResult.parse(await (await stack.fetch('/v1/segment?frame=all', { method: 'POST', body: form, headers: { authorization: `Bearer ${key}` } })).json());
      expect(mixed.slices.map((r) => [r.index, r.frame])).toEqual([[0, 1], [1, 1], [1, 2], [1, 3]]);
      // 65 frames of 8 x 8: more than the 64 slices a request may hold, refused from the header.
      const many = image({ rows: 8, columns: 8, frames: '65', pixels: new Uint8Array(8 * 8 * 2 * 65) });
      const tooMany = await post(many, 'application/dicom', { query: '?frame=all' });
      expect(tooMany.status).toBe(413);
      expect(await tooMany.json()).toMatchObject({ code: 'too_many_slices', field: 'frame' });

      const past = await post(bytes, 'application/dicom', { query: '?frame=4' });
      expect(past.status).toBe(422);
      expect(await past.json()).toMatchObject({ code: 'frame_out_of_range', field: 'frame', detail: 'body: frame 4 was asked for, but the image has 3 frame(s)' });
      const jpeg = await post(sliceJpeg(SLICE), 'image/jpeg', { query: '?frame=2' });
      expect(jpeg.status).toBe(422);
      expect(await jpeg.json()).toMatchObject({ code: 'frame_out_of_range', field: 'frame' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('maps CT with the lung window by default; a custom window changes the input and the cache key', async () => {
    const bytes = dicom('CT_small.dcm');
    const lung = SliceResult.parse(await (await post(bytes, 'application/dicom')).json());
    const custom = await post(bytes, 'application/dicom', { query: '?windowCenter=40&windowWidth=400' });
    expect(custom.status).toBe(200);
    expect(custom.headers.get('x-cache')).toBe('MISS');
    expect(SliceResult.parse(await custom.json()).mask.data).not.toBe(lung.mask.data);
    const bad = await post(bytes, 'application/dicom', { query: '?windowCenter=40&windowWidth=0' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid_parameter', field: 'windowWidth' });
  });

  // Regression: the route's query schema knew only lung|file, so the documented custom spelling was a 400.
  it('takes window=custom with windowCenter and windowWidth, the same window as without window=custom', async () => {
    const bytes = dicom('CT_small.dcm');
    const named = await post(bytes, 'application/dicom', { query: '?window=custom&windowCenter=-600&windowWidth=1500' });
    expect(named.status).toBe(200);
    const bare = await post(bytes, 'application/dicom', { query: '?windowCenter=-600&windowWidth=1500' });
    expect(bare.headers.get('x-cache')).toBe('HIT');
    expect(SliceResult.parse(await bare.json()).mask.data).toBe(SliceResult.parse(await named.json()).mask.data);
  });
});

describe('series (multipart/form-data)', () => {
  it('answers one entry per file in upload order, mixing formats', async () => {
    const jpg = sliceJpeg(SLICE);
    const png16 = pngOf(jpegGray(sliceJpeg(testSliceNames()[1]!)), 'gray16');
    const form = seriesForm([
      { bytes: jpg, type: 'image/jpeg' },
      { bytes: png16, type: 'image/png' },
      { bytes: dicom('CT_small.dcm'), type: 'application/dicom' },
    ]);
    const res = await post(form, undefined);
    expect(res.status).toBe(200);
    const body = SeriesResult.parse(await res.json());
    expect(body.slices.map((s) => s.index)).toEqual([0, 1, 2]);
    expect(body.slices.map((s) => [s.width, s.height])).toEqual([
      [jpegGray(jpg).width, jpegGray(jpg).height],
      [jpegGray(sliceJpeg(testSliceNames()[1]!)).width, jpegGray(sliceJpeg(testSliceNames()[1]!)).height],
      [128, 128],
    ]);
  });

  it('refuses more files than the limit (413), Accept: image/png for several (406), and names the bad part', async () => {
    const five = seriesForm(Array.from({ length: 5 }, () => ({ bytes: sliceJpeg(SLICE), type: 'image/jpeg' })));
    const tooMany = await post(five, undefined);
    expect(tooMany.status).toBe(413);
    expect(await tooMany.json()).toMatchObject({ code: 'too_many_slices', field: 'file' });

    const two = seriesForm([{ bytes: sliceJpeg(SLICE), type: 'image/jpeg' }, { bytes: sliceJpeg(SLICE), type: 'image/jpeg' }]);
    const png = await post(two, undefined, { accept: 'image/png' });
    expect(png.status).toBe(406);

    const broken = seriesForm([{ bytes: sliceJpeg(SLICE), type: 'image/jpeg' }, { bytes: dicom('MR_truncated.dcm'), type: 'application/dicom' }]);
    const bad = await post(broken, undefined);
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ code: 'image_truncated', field: 'file[1]' });
  });
});
