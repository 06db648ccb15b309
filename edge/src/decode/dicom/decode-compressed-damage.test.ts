/**
 * Damaged compressed DICOM: codestreams cut short, bit-flipped headers and data, fragments lost,
 * frame counts that lie, on files DCMTK and GDCM make at test time. Every case is a 422 naming
 * the problem (or, for flips a codec cannot detect, an image), never another error; and the
 * codecs decode the next good file exactly after any of them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../shared/seeded-random.js';
import { DecodeError, type DecodedImage } from '../decoded-image.js';
import { compressDicom, requireDicomTools, type CompressedSyntax } from './compressed-fixtures.test-support.js';
import { ctSliceDicom } from './ct-slice.test-support.js';
import { decoded, outcome } from './dicom-outcome.test-support.js';
import { joinEncapsulated, markerAt, splitEncapsulated } from './encapsulated-surgery.test-support.js';

const SLICES = new URL('../../../../../shared/data/covid-semiseg/test/images/', import.meta.url);
/** Every syntax with a codestream that has start and end markers (all but RLE). */
const MARKED: CompressedSyntax[] = ['jpeg-lossless-sv1', 'jpeg-ls-lossless', 'j2k-lossless', 'j2k-lossy', 'jpeg-baseline', 'jpeg-extended-12'];

let dir: string;
const files = new Map<string, Uint8Array>();
const file = (key: string): Uint8Array => new Uint8Array(files.get(key)!); // a copy, and not a Node Buffer
let slice: string;
let threeFrames: string;

beforeAll(async () => {
  requireDicomTools();
  dir = await mkdtemp(join(tmpdir(), 'bsnet-damaged-'));
  const jpegPath = new URL('21.jpg', SLICES).pathname;
  slice = await ctSliceDicom({ jpegPath, outPath: join(dir, 'slice.dcm'), storage: 'signed', size: 256 });
  threeFrames = await ctSliceDicom({ jpegPath, outPath: join(dir, 'three.dcm'), storage: 'signed', size: 128, frames: 3 });
  for (const syntax of [...MARKED, 'rle' as const]) files.set(syntax, readFileSync(await compressDicom(slice, syntax, dir)));
  files.set('rle x3', readFileSync(await compressDicom(threeFrames, 'rle', dir)));
  files.set('rle x3 no table', readFileSync(await compressDicom(threeFrames, 'rle', dir, { offsetTable: false })));
  files.set('jpeg-ls x3 no table', readFileSync(await compressDicom(threeFrames, 'jpeg-ls-lossless', dir, { offsetTable: false })));
}, 120_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function problem(bytes: Uint8Array): Promise<DecodeError> {
  const result = await outcome(bytes);
  if (!(result instanceof DecodeError)) throw new Error(`expected a DecodeError, got a ${result.width}x${result.height} image`);
  return result;
}

/** The file with its NumberOfFrames (IS, "3 ") changed to `value` (one digit). */
function withFrameCount(bytes: Uint8Array, value: number): Uint8Array {
  const header = [0x28, 0x00, 0x08, 0x00, 0x49, 0x53, 0x02, 0x00];
  for (let i = 0; i < bytes.length - 10; i++) {
    if (header.every((b, k) => bytes[i + k] === b)) {
      const out = bytes.slice();
      out[i + 8] = 0x30 + value;
      return out;
    }
  }
  throw new Error('no NumberOfFrames');
}

describe('codestreams cut short', () => {
  for (const syntax of MARKED) {
    it(`${syntax}: a fragment cut in half (the file still well-formed) is 422 codestream_truncated`, async () => {
      const parts = splitEncapsulated(file(syntax));
      const f = parts.fragments[0]!;
      parts.fragments[0] = f.subarray(0, (f.length >> 2) * 2);
      const err = await problem(joinEncapsulated(parts));
      expect(err).toMatchObject({ status: 422, code: 'codestream_truncated' });
      expect(err.message).toMatch(/no end-of-codestream marker \(FFD9\)/);
    });
  }

  it('the file cut inside its fragment is 422 codestream_truncated naming the fragment', async () => {
    const bytes = file('jpeg-ls-lossless');
    const err = await problem(bytes.subarray(0, bytes.length - 500));
    expect(err).toMatchObject({ status: 422, code: 'codestream_truncated' });
    expect(err.message).toMatch(/fragment 1 at offset \d+ is \d+ bytes, but the file ends at/);
  });

  it('the file cut after its last fragment, before the sequence delimiter, is 422 codestream_truncated', async () => {
    const bytes = file('j2k-lossless');
    expect(await problem(bytes.subarray(0, bytes.length - 8))).toMatchObject({ status: 422, code: 'codestream_truncated' });
  });

  it('an RLE segment cut short is 422 codestream_truncated', async () => {
    const parts = splitEncapsulated(file('rle'));
    parts.fragments[0] = parts.fragments[0]!.subarray(0, parts.fragments[0]!.length - 2000);
    const err = await problem(joinEncapsulated(parts));
    expect(err).toMatchObject({ status: 422, code: 'codestream_truncated' });
    expect(err.message).toMatch(/RLE segment 2 ends (after \d+ of its 65536 bytes|inside a (literal|repeat) run)/);
  });
});

describe('headers that contradict the DICOM header, or garbage', () => {
  it('a whole, valid JPEG-LS codestream of another size than the header is 422 codestream_mismatch', async () => {
    const parts = splitEncapsulated(file('jpeg-ls-lossless'));
    parts.fragments[0] = splitEncapsulated(file('jpeg-ls x3 no table')).fragments[0]!; // a 128 x 128 frame
    const err = await problem(joinEncapsulated(parts));
    expect(err).toMatchObject({ status: 422, code: 'codestream_mismatch' });
    expect(err.message).toMatch(/decodes to 128x128 pixels \(the header: 256x256\)/);
  });

  it('a JPEG-LS frame header (SOF55) with one row fewer than its data is 422 codestream_corrupt or _mismatch', async () => {
    const parts = splitEncapsulated(file('jpeg-ls-lossless'));
    const f = parts.fragments[0]!;
    const sof = markerAt(f, 0xf7);
    // FF F7, Lf (2), P (1), Y (2), X (2): rows 256 -> 255.
    expect([f[sof + 5], f[sof + 6]]).toEqual([1, 0]);
    f[sof + 5] = 0;
    f[sof + 6] = 255;
    expect(['codestream_corrupt', 'codestream_mismatch']).toContain((await problem(joinEncapsulated(parts))).code);
  });

  it('a JPEG 2000 SIZ with a wider image is 422 codestream_mismatch or codestream_corrupt', async () => {
    const parts = splitEncapsulated(file('j2k-lossless'));
    const f = parts.fragments[0]!;
    const siz = markerAt(f, 0x51);
    f[siz + 9] = f[siz + 9]! + 1; // Xsiz low byte
    expect(['codestream_mismatch', 'codestream_corrupt']).toContain((await problem(joinEncapsulated(parts))).code);
  });

  it('an RLE header naming the wrong number of segments is 422 codestream_corrupt', async () => {
    const parts = splitEncapsulated(file('rle'));
    parts.fragments[0]![0] = 3;
    const err = await problem(joinEncapsulated(parts));
    expect(err).toMatchObject({ status: 422, code: 'codestream_corrupt' });
    expect(err.message).toMatch(/names 3 segment\(s\); 1 sample\(s\) of 16 bits need 2/);
  });

  for (const syntax of ['jpeg-ls-lossless', 'j2k-lossless', 'jpeg-lossless-sv1'] as const) {
    it(`${syntax}: random bytes between a real SOI/SOC and EOI are 422 codestream_corrupt or _mismatch (or, where undetectable, an image)`, async () => {
      const parts = splitEncapsulated(file(syntax));
      const f = parts.fragments[0]!;
      const next = mulberry32(99);
      for (let i = 2; i < f.length - 2; i++) f[i] = Math.floor(next() * 256);
      const result = await outcome(joinEncapsulated(parts));
      if (result instanceof DecodeError) {
        expect(result.status).toBe(422);
        // truncated too: random bytes can read to the codec as a codestream that ends early, and the
        // message says "cut short or damaged"
        expect(['codestream_corrupt', 'codestream_mismatch', 'codestream_truncated']).toContain(result.code);
      }
      else expect(result.data.length).toBe(256 * 256);
    });
  }
});

describe('fragments and frame counts', () => {
  it('a frame\'s fragment dropped (empty offset table) is 422 frame_missing', async () => {
    for (const key of ['rle x3 no table', 'jpeg-ls x3 no table']) {
      const parts = splitEncapsulated(file(key));
      parts.fragments.splice(1, 1);
      const err = await problem(joinEncapsulated(parts));
      expect(err, key).toMatchObject({ status: 422, code: 'frame_missing' });
      expect(err.message, key).toMatch(/says 3 frame\(s\), but the encapsulated pixel data holds 2/);
    }
  });

  it('a fragment dropped with the offset table kept is 422 (the table points past the fragments)', async () => {
    const parts = splitEncapsulated(file('rle x3'));
    parts.fragments.splice(1, 1);
    const err = await problem(joinEncapsulated(parts));
    expect(err).toMatchObject({ status: 422, code: 'encapsulation_corrupt' });
    expect(err.message).toMatch(/Basic Offset Table entry \d \(\d+\) does not point at a fragment/);
  });

  it('NumberOfFrames saying 2 or 4 for three frames: 422 frame_count_mismatch / frame_missing', async () => {
    for (const key of ['rle x3', 'rle x3 no table', 'jpeg-ls x3 no table']) {
      expect(await problem(withFrameCount(file(key), 2)), `${key}, 2`).toMatchObject({ status: 422, code: 'frame_count_mismatch' });
      expect(await problem(withFrameCount(file(key), 4)), `${key}, 4`).toMatchObject({ status: 422, code: 'frame_missing' });
    }
  });

  it('an offset table that does not start at 0, or goes backwards, is 422 encapsulation_corrupt', async () => {
    const parts = splitEncapsulated(file('rle x3'));
    expect(await problem(joinEncapsulated({ ...parts, table: [8, ...parts.table.slice(1)] }))).toMatchObject({ code: 'encapsulation_corrupt' });
    expect(await problem(joinEncapsulated({ ...parts, table: [0, parts.table[2]!, parts.table[1]!] }))).toMatchObject({ code: 'encapsulation_corrupt' });
  });

  it('no fragment at all is 422 frame_missing', async () => {
    const parts = splitEncapsulated(file('jpeg-ls-lossless'));
    expect(await problem(joinEncapsulated({ ...parts, fragments: [] }))).toMatchObject({ status: 422, code: 'frame_missing' });
  });
});

describe('random damage in every syntax', () => {
  it('bit flips in the codestream give an image or a 4xx, and the codecs then decode a good file exactly', async () => {
    const clean = new Map<string, DecodedImage>();
    for (const syntax of [...MARKED, 'rle']) clean.set(syntax, await decoded(file(syntax)));
    const next = mulberry32(2026);
    for (const syntax of [...MARKED, 'rle']) {
      for (let copy = 0; copy < 12; copy++) {
        const parts = splitEncapsulated(file(syntax));
        const f = parts.fragments[0]!;
        // A third of the copies hit the first 64 bytes (marker segments), the rest anywhere.
        const span = copy % 3 === 0 ? Math.min(64, f.length) : f.length;
        for (let k = 0; k < 1 + (copy % 4); k++) f[Math.floor(next() * span)]! ^= 1 << Math.floor(next() * 8);
        const result = await outcome(joinEncapsulated(parts));
        if (result instanceof DecodeError) expect([413, 415, 422], `${syntax} copy ${copy}: ${result.message}`).toContain(result.status);
        else expect(result.data.length, `${syntax} copy ${copy}`).toBe(result.width * result.height);
      }
      const again = await decoded(file(syntax));
      expect(again.data, `${syntax} after the damaged copies`).toEqual(clean.get(syntax)!.data);
    }
  });
});
