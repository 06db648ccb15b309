/**
 * decodeDicom on compressed files made at test time by DCMTK and GDCM (compressed-fixtures), each
 * compared with the same tools' own decode of it: lossless syntaxes every pixel identical, lossy
 * ones within what the codec allows; multi-frame files with and without a Basic Offset Table and
 * with frames split over many fragments, frame by frame.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodedImage } from '../decoded-image.js';
import { compressDicom, LOSSLESS, requireDicomTools, referenceDecode, type CompressedSyntax, type CompressOptions } from './compressed-fixtures.test-support.js';
import { ctSliceDicom } from './ct-slice.test-support.js';
import { htj2kDicom } from './htj2k-fixture.test-support.js';
import { DATA, decoded } from './dicom-outcome.test-support.js';

const SLICES = new URL('../../../../../shared/data/covid-semiseg/test/images/', import.meta.url);

let dir: string;
const inputs: Record<string, string> = {};
beforeAll(async () => {
  requireDicomTools();
  dir = await mkdtemp(join(tmpdir(), 'bsnet-compressed-'));
  inputs['CT_small'] = new URL('CT_small.dcm', DATA).pathname;
  inputs['MR_small'] = new URL('MR_small.dcm', DATA).pathname;
  // 512 x 512 CT slices in HU the two ways scanners store them, from a labelled test slice.
  const jpegPath = new URL('18.jpg', SLICES).pathname;
  inputs['ct512-unsigned12'] = await ctSliceDicom({ jpegPath, outPath: join(dir, 'ct512-unsigned12.dcm'), storage: 'unsigned-intercept', window: { center: -600, width: 1500 } });
  inputs['ct512-signed16'] = await ctSliceDicom({ jpegPath, outPath: join(dir, 'ct512-signed16.dcm'), storage: 'signed' });
  inputs['ct512x3-signed16'] = await ctSliceDicom({ jpegPath, outPath: join(dir, 'ct512x3-signed16.dcm'), storage: 'signed', frames: 3 });
  inputs['ct512x3-unsigned16'] = await ctSliceDicom({ jpegPath, outPath: join(dir, 'ct512x3-unsigned16.dcm'), storage: 'unsigned-intercept', bitsStored: 16, frames: 3 });
}, 60_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const decodeFile = (path: string, frame = 0): Promise<DecodedImage> => decoded(new Uint8Array(readFileSync(path)), { frame });

/** Largest |a - b| over every pixel, and how many differ. */
function difference(a: DecodedImage, b: DecodedImage): { max: number; differing: number } {
  expect([a.width, a.height, a.kind]).toEqual([b.width, b.height, b.kind]);
  let max = 0;
  let differing = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i]! - b.data[i]!);
    if (d > 0) differing++;
    if (d > max) max = d;
  }
  return { max, differing };
}

/** Every pixel equal (a loop: toEqual on 262,144 floats takes seconds). */
function expectSamePixels(a: DecodedImage, b: DecodedImage, what = ''): void {
  const d = difference(a, b);
  expect(d, what).toEqual({ max: 0, differing: 0 });
}

async function oursAndReference(input: string, syntax: CompressedSyntax, opts?: CompressOptions, frame = 0) {
  const compressed = await compressDicom(input, syntax, dir, opts);
  const reference = await referenceDecode(compressed, dir);
  return { ours: await decodeFile(compressed, frame), reference: await decodeFile(reference, frame), original: await decodeFile(input, frame) };
}

const SINGLE_FRAME = ['CT_small', 'MR_small', 'ct512-unsigned12', 'ct512-signed16'];

describe('lossless syntaxes: every pixel as the reference decoder gives it, and as the uncompressed file', () => {
  for (const syntax of LOSSLESS) {
    for (const name of SINGLE_FRAME) {
      it(`${syntax}: ${name}`, async () => {
        const { ours, reference, original } = await oursAndReference(inputs[name]!, syntax);
        expectSamePixels(ours, reference, 'against the reference decode');
        expectSamePixels(ours, original, 'against the uncompressed file');
      });
    }
  }
});

describe('HTJ2K (no installed tool encodes it: OpenJPH\'s own wasm encoder writes the codestream)', () => {
  for (const name of SINGLE_FRAME) {
    it(`htj2k lossless: ${name} every pixel as the uncompressed file`, async () => {
      const path = await htj2kDicom(inputs[name]!, join(dir, `${name}.htj2k.dcm`), { lossless: true });
      expectSamePixels(await decodeFile(path), await decodeFile(inputs[name]!));
    });
  }
});

/**
 * What each lossy codec may differ by from the reference decoder, in stored-value steps (the
 * files' RescaleSlope is applied on top): JPEG-LS near-lossless is bounded by its NEAR parameter
 * against the original itself; JPEG 2000 is OpenJPEG on both sides; JPEG DCT allows each
 * decoder's IDCT its own rounding (IEEE 1180 accuracy: one step).
 */
describe('lossy syntaxes: within the codec\'s tolerance of the reference decoder', () => {
  for (const name of SINGLE_FRAME) {
    it(`jpeg-ls-near (NEAR 2): ${name} within 2 of the original, equal to the reference`, async () => {
      const { ours, reference, original } = await oursAndReference(inputs[name]!, 'jpeg-ls-near', { nearLossless: 2 });
      expect(difference(ours, reference).max).toBe(0);
      expect(difference(ours, original).max).toBeLessThanOrEqual(2);
    });
    it(`j2k-lossy: ${name} equal to the reference`, async () => {
      const { ours, reference } = await oursAndReference(inputs[name]!, 'j2k-lossy');
      expect(difference(ours, reference).max).toBe(0);
    });
    for (const syntax of ['jpeg-baseline', 'jpeg-extended-12'] as const) {
      it(`${syntax}: ${name} within one stored step of the reference`, async () => {
        const compressed = await compressDicom(inputs[name]!, syntax, dir);
        const ours = await decodeFile(compressed);
        const reference = await decodeFile(await referenceDecode(compressed, dir));
        const slope = rescaleSlope(compressed);
        const d = difference(ours, reference);
        expect(d.max).toBeLessThanOrEqual(slope * 1 + 1e-3);
        // Rounding differences are the exception, not the rule.
        expect(d.differing / ours.data.length).toBeLessThan(0.05);
      });
    }
  }
});

/** RescaleSlope as the file states it (dcmcjpeg rescales deep samples to 8 or 12 bits). */
function rescaleSlope(path: string): number {
  const text = new TextDecoder('latin1').decode(readFileSync(path));
  const at = text.indexOf('\x28\x00\x53\x10'); // (0028,1053) in little endian
  if (at < 0) return 1;
  const length = text.charCodeAt(at + 6) | (text.charCodeAt(at + 7) << 8);
  return Number(text.slice(at + 8, at + 8 + length).trim());
}

describe('multi-frame: each frame of three, as the reference decodes it', () => {
  const cases: [string, string, CompressedSyntax, CompressOptions][] = [
    ['RLE, offset table, one fragment a frame', 'ct512x3-signed16', 'rle', {}],
    ['RLE, empty offset table', 'ct512x3-unsigned16', 'rle', { offsetTable: false }],
    ['JPEG-LS, offset table, 4 KiB fragments', 'ct512x3-signed16', 'jpeg-ls-lossless', { fragmentKiB: 4 }],
    ['JPEG-LS, empty offset table, 4 KiB fragments (frames found by their SOI)', 'ct512x3-signed16', 'jpeg-ls-lossless', { fragmentKiB: 4, offsetTable: false }],
    ['JPEG lossless SV1, empty offset table, 4 KiB fragments', 'ct512x3-unsigned16', 'jpeg-lossless-sv1', { fragmentKiB: 4, offsetTable: false }],
    ['JPEG 2000, empty offset table (GDCM)', 'ct512x3-signed16', 'j2k-lossless', {}],
  ];
  for (const [what, name, syntax, opts] of cases) {
    it(what, async () => {
      const compressed = await compressDicom(inputs[name]!, syntax, dir, opts);
      const reference = await referenceDecode(compressed, dir);
      for (let frame = 0; frame < 3; frame++) {
        const ours = await decodeFile(compressed, frame);
        expectSamePixels(ours, await decodeFile(reference, frame), `frame ${frame + 1} against the reference decode`);
        expectSamePixels(ours, await decodeFile(inputs[name]!, frame), `frame ${frame + 1} against the uncompressed file`);
      }
      // The frames differ (each is shifted by a pixel), so a decoder returning frame 1 thrice fails.
      expect(difference(await decodeFile(compressed, 1), await decodeFile(compressed, 0)).differing).toBeGreaterThan(1000);
      expect((await decodeFile(compressed, 0)) as unknown).toMatchObject({ frames: 3 });
    });
  }

  it('asks for a frame past the last: 422 frame_out_of_range', async () => {
    const compressed = await compressDicom(inputs['ct512x3-signed16']!, 'rle', dir);
    await expect(decodeFile(compressed, 3)).rejects.toThrow(/expected an image, got 422 frame_out_of_range: frame 4 was asked for, but the image has 3 frame\(s\)/);
  });
});
