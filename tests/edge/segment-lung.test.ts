/**
 * The lung figures of POST /v1/segment end to end: made at the edge from the decoded upload (the
 * density method for CT DICOM, sides from Image Orientation Patient; the intensity method for
 * JPEG), cached with the map, and answered in the JSON, as a label-map PNG and in a header. The
 * oracle is the same shared lung code run here on the same upload decoded here.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import UPNG from 'upng-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SliceResult } from '../../edge/src/api/segment-response.js';
import { nodeCodecWasm } from '../../edge/src/decode/dicom/codecs/codec-wasm.node.js';
import { ctSliceDicom } from '../../edge/src/decode/dicom/ct-slice.test-support.js';
import { toGray8 } from '../../edge/src/imaging/to-gray8.js';
import { sliceLungMask } from '../../edge/src/lung/slice-lung.js';
import { decodeUpload } from '../../edge/src/upload/decode-upload.js';
import { classifyUpload } from '../../edge/src/upload/read-slices.js';
import { startEdgeStack, type EdgeStack } from './edge-stack.js';
import { dataPath, pngOf, sliceJpeg, testSliceNames } from './fixtures.js';

let stack: EdgeStack;
let key: string;
let dir: string;
let ct: Uint8Array;
const SLICE = testSliceNames()[0]!;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bsnet-segment-lung-'));
  stack = await startEdgeStack();
  key = await stack.key('acme');
  const path = await ctSliceDicom({ jpegPath: fileURLToPath(dataPath(`covid-semiseg/test/images/${SLICE}`)), outPath: join(dir, 'ct.dcm'), storage: 'signed' });
  ct = new Uint8Array(readFileSync(path));
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function post(bytes: Uint8Array, type: string, query = '', accept?: string): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, 'content-type': type, ...(accept ? { accept } : {}) };
  return stack.fetch(`/v1/segment${query}`, { method: 'POST', body: bytes as Uint8Array<ArrayBuffer>, headers });
}

/** Pixel values of an answer PNG (upng-js, not the edge's decoder) and how often each occurs. */
function histogram(base64: string): Map<number, number> {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const img = UPNG.decode(bytes.buffer as ArrayBuffer);
  const rgba = new Uint8Array(UPNG.toRGBA8(img)[0]!);
  const counts = new Map<number, number>();
  for (let i = 0; i < rgba.length; i += 4) counts.set(rgba[i]!, (counts.get(rgba[i]!) ?? 0) + 1);
  return counts;
}

async function oracle(bytes: Uint8Array, type: string) {
  const decoded = await decodeUpload(classifyUpload(bytes, type, 'body'), nodeCodecWasm);
  return sliceLungMask(decoded, toGray8(decoded));
}

describe('lung figures on /v1/segment', () => {
  it('a CT DICOM slice: the density mask, the patient’s sides from its orientation, areas from its spacing', async () => {
    const res = await post(ct, 'application/dicom');
    expect(res.status).toBe(200);
    const body = SliceResult.parse(await res.json());
    const want = await oracle(ct, 'application/dicom');
    expect(body.lung).toMatchObject({ method: 'hounsfield', found: want.mask.found });
    // Made at 256 (LUNG_MASK_MAX_SIDE), answered at the upload's 512 by nearest neighbour: 4 pixels per label.
    expect(want.mask.width).toBe(256);
    expect(body.lung.pixels).toBe(4 * want.mask.labels.reduce((n, l) => n + (l ? 1 : 0), 0));
    expect(body.pixelSpacingMm).toEqual([0.7, 0.7]);
    expect(body.infectedAreaMm2).toBeCloseTo(body.infectedPixels * 0.49, 1);
    expect(body.lung.areaMm2).toBeCloseTo(body.lung.pixels * 0.49, 1);
    expect(body.lung.infectedPixels).toBeLessThanOrEqual(body.infectedPixels);
    expect(want.mask.found).toBe(true);
    {
      expect(body.lung.sides).toBe('image_orientation');
      expect(body.lung.left!.pixels + body.lung.right!.pixels).toBe(body.lung.pixels);
      expect(body.lung.infectedShare).toBeCloseTo(body.lung.infectedPixels / body.lung.pixels, 12);
      // ImageOrientationPatient 1\0\0\0\1\0: columns run to the patient's left, so the left lung is the one on the image's right.
      expect(body.lung.left!.pixels).toBe(4 * want.mask.labels.reduce((n, l) => n + (l === want.sides!.left ? 1 : 0), 0));
      expect(want.sides).toEqual({ left: 2, right: 1 });
    }
  });

  it('a JPEG: the intensity mask, no sides; the label map holds exactly the lung and the infection', async () => {
    const jpeg = sliceJpeg(SLICE);
    const res = await post(jpeg, 'image/jpeg', '?labels=lung,infection');
    expect(res.status).toBe(200);
    const body = SliceResult.parse(await res.json());
    expect(body.lung).toMatchObject({ method: 'intensity', sides: 'unknown', found: true });
    expect(body.lung.infectedShare).toBeCloseTo(body.lung.infectedPixels / body.lung.pixels, 12);
    expect(body.lung).not.toHaveProperty('left');
    expect(body).not.toHaveProperty('pixelSpacingMm');
    expect(body.mask).toMatchObject({ kind: 'labels', legend: { '0': 'background', '1': 'lung', '2': 'infection' } });
    const counts = histogram(body.mask.data);
    expect([...counts.keys()].every((v) => v <= 2)).toBe(true);
    expect(counts.get(2) ?? 0).toBe(body.infectedPixels);
    // Every lung pixel is 1 unless infected (then 2).
    expect((counts.get(1) ?? 0) + body.lung.infectedPixels).toBe(body.lung.pixels);

    const lungOnly = SliceResult.parse(await (await post(jpeg, 'image/jpeg', '?labels=lung')).json());
    expect(lungOnly.mask.kind).toBe('labels');
    expect(histogram(lungOnly.mask.data).get(1) ?? 0).toBe(body.lung.pixels);
    // The second and third answers came from the cache, lung and all.
    expect(lungOnly.cached).toBe(true);
    expect(lungOnly.lung).toEqual(body.lung);
  });

  it('a picture that is not a chest CT: found false with the reason, no share, no header', async () => {
    const gradient = { width: 256, height: 256, data: Uint8Array.from({ length: 256 * 256 }, (_, i) => i % 256) };
    const res = await post(pngOf(gradient, 'gray8'), 'image/png');
    expect(res.status).toBe(200);
    const body = SliceResult.parse(await res.json());
    expect(body.lung).toMatchObject({ found: false, failure: expect.stringMatching(/^(no_body|no_lung|one_lung|implausible)$/), infectedShare: null, pixels: 0 });
    const png = await post(pngOf(gradient, 'gray8'), 'image/png', '', 'image/png');
    expect(png.headers.get('x-lung-infected-share')).toBeNull();
  });

  it('says the share of lung in a header for the PNG answer, and refuses the lung with the probability map', async () => {
    const res = await post(ct, 'application/dicom', '', 'image/png');
    expect(res.status).toBe(200);
    const json = SliceResult.parse(await (await post(ct, 'application/dicom')).json());
    expect(json.lung.found).toBe(true);
    expect(Number(res.headers.get('x-lung-infected-share'))).toBeCloseTo(json.lung.infectedShare!, 12);
    const bad = await post(ct, 'application/dicom', '?labels=lung&probability=1');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid_parameter', field: 'labels' });
  });
});
