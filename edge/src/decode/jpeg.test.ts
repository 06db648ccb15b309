/**
 * decodeJpeg on the real covid-semiseg slices, on the same slices with an EXIF Orientation spliced
 * in (1..8, checked against the EXIF definition and against PIL's exif_transpose), on progressive,
 * colour and 12 MP files PIL writes from a real slice into a temp folder (large ones come back at
 * reduced scale with their upright source size), and on damaged or lying files, which must fail
 * with DecodeError and the right status, and nothing else. The decoder's own oracles and fuzzing
 * are in jpeg-luma/.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecodeError, type DecodedImage } from './decoded-image.js';
import { decodeJpeg, JPEG_MAX_DECODED_PIXELS, jpegDecodeScale } from './jpeg.js';
import { makePilJpegs, type PilJpegs } from './jpeg-luma/pil-jpegs.test-support.js';
import { uprightByDefinition } from './exif-orientation-oracle.test-support.js';
import { expectDecodeError } from './expect-decode-error.test-support.js';
import { withExif } from './exif-segment.test-support.js';

const IMAGES = new URL('../../../../shared/data/covid-semiseg/test/images/', import.meta.url);
const names = readdirSync(IMAGES).filter((f) => f.endsWith('.jpg')).sort();
const real = new Uint8Array(readFileSync(new URL('18.jpg', IMAGES)));
const sofAt = real.findIndex((b, i) => b === 0xff && real[i + 1] === 0xc0);

interface Gray {
  width: number;
  height: number;
  data: Uint8Array;
}

function gray(img: DecodedImage): Gray {
  if (img.kind !== 'gray' || img.bitDepth !== 8 || !(img.data instanceof Uint8Array)) throw new Error(`expected 8-bit gray, got ${img.kind}`);
  return { width: img.width, height: img.height, data: img.data };
}

const same = (a: Gray, b: Gray): boolean => a.width === b.width && a.height === b.height && Buffer.from(a.data).equals(Buffer.from(b.data));

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

function maxAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** jpeg-js straight, no orientation: the un-oriented reference. */
function plainDecode(bytes: Uint8Array): Gray {
  const d = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
  const data = new Uint8Array(d.width * d.height);
  for (let i = 0; i < data.length; i++) data[i] = d.data[i * 3]!;
  return { width: d.width, height: d.height, data };
}

const patched = (fn: (b: Uint8Array, dv: DataView) => void): Uint8Array => {
  const b = real.slice();
  fn(b, new DataView(b.buffer));
  return b;
};

// ---- files only PIL can write: progressive and colour JPEGs, and its exif_transpose answers ----

const PIL_SCRIPT = `
import json, os, sys
from PIL import Image, ImageOps
d, src = sys.argv[1], sys.argv[2]
im = Image.open(src).convert('L')
im.save(os.path.join(d, 'base.jpg'), quality=90)
im.save(os.path.join(d, 'prog.jpg'), quality=90, progressive=True)
rgb = Image.merge('RGB', (im, im.point(lambda v: 255 - v), im.point(lambda v: v // 2)))
rgb.save(os.path.join(d, 'color.jpg'), quality=95)
rgb.save(os.path.join(d, 'color-prog.jpg'), quality=95, progressive=True)
open(os.path.join(d, 'color-L.raw'), 'wb').write(Image.open(os.path.join(d, 'color.jpg')).convert('L').tobytes())
sizes = {}
for o in range(1, 9):
    t = ImageOps.exif_transpose(Image.open(os.path.join(d, 'o%d.jpg' % o))).convert('L')
    open(os.path.join(d, 'o%d.raw' % o), 'wb').write(t.tobytes())
    sizes[o] = t.size
print(json.dumps(sizes))
`;

let dir = '';
let pil: { sizes: Record<string, [number, number]> } | undefined;
let pilMissing = 'not run';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edge-jpeg-'));
  for (let o = 1; o <= 8; o++) writeFileSync(join(dir, `o${o}.jpg`), withExif(real, o));
  const run = spawnSync('/usr/bin/python3', ['-c', PIL_SCRIPT, dir, fileURLToPath(new URL('18.jpg', IMAGES))], { encoding: 'utf8' });
  if (run.status === 0) pil = { sizes: JSON.parse(run.stdout) as Record<string, [number, number]> };
  else pilMissing = `python3 with PIL (python3-pil) is not available: ${(run.error?.message ?? run.stderr).trim().split('\n').pop()}`;
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});
const fromDir = (name: string): Uint8Array => new Uint8Array(readFileSync(join(dir, name)));

describe('decodeJpeg on real slices', () => {
  it(`decodes all ${names.length} covid-semiseg test slices within 1 level of jpeg-js, at full size`, () => {
    expect(names.length).toBe(48);
    for (const name of names) {
      const bytes = new Uint8Array(readFileSync(new URL(name, IMAGES)));
      const img = decodeJpeg(bytes);
      const ref = plainDecode(bytes);
      expect(img.kind === 'gray' && img.bitDepth === 8 && !('sourceWidth' in img), name).toBe(true);
      // Our float IDCT and jpeg-js's integer one round apart here and there (measured max 1, mean 0.07).
      expect([img.width, img.height], name).toEqual([ref.width, ref.height]);
      expect(maxAbsDiff(gray(img).data, ref.data), name).toBeLessThanOrEqual(1);
    }
  });

  it('turns each EXIF orientation 1..8 upright as the EXIF definition says (sizes swap for 5..8)', () => {
    const plain = gray(decodeJpeg(real)); // no EXIF: the stored orientation
    for (const o of [1, 2, 3, 4, 5, 6, 7, 8] as const) {
      const img = gray(decodeJpeg(withExif(real, o)));
      const want = uprightByDefinition(plain, o);
      expect([img.width, img.height], `orientation ${o}`).toEqual(o >= 5 ? [plain.height, plain.width] : [plain.width, plain.height]);
      expect(same(img, want), `orientation ${o}`).toBe(true);
    }
  });

  it("agrees with PIL's ImageOps.exif_transpose on the same files", (ctx) => {
    if (!pil) ctx.skip(pilMissing);
    const ours = [1, 2, 3, 4, 5, 6, 7, 8].map((o) => gray(decodeJpeg(fromDir(`o${o}.jpg`))));
    for (let o = 1; o <= 8; o++) {
      const theirs = fromDir(`o${o}.raw`);
      const mine = ours[o - 1]!;
      expect([mine.width, mine.height], `orientation ${o}`).toEqual(pil!.sizes[String(o)]);
      // libjpeg's IDCT and jpeg-js's differ by a level here and there; a wrong turn differs by tens.
      expect(meanAbsDiff(mine.data, theirs), `orientation ${o}`).toBeLessThan(0.5);
    }
    for (const [a, b] of [[6, 8], [5, 7], [2, 4]] as const) {
      expect(meanAbsDiff(ours[a - 1]!.data, fromDir(`o${b}.raw`)), `orientation ${a} vs PIL ${b}`).toBeGreaterThan(10);
    }
  });

  it('decodes a progressive JPEG to the same pixels as its baseline twin', (ctx) => {
    if (!pil) ctx.skip(pilMissing);
    const prog = fromDir('prog.jpg');
    expect(prog.findIndex((b, i) => b === 0xff && prog[i + 1] === 0xc2)).toBeGreaterThan(0);
    // Same quantised coefficients, only ordered in several scans: the pixels must match exactly.
    expect(same(gray(decodeJpeg(prog)), gray(decodeJpeg(fromDir('base.jpg'))))).toBe(true);
  });

  it("turns colour (baseline and progressive, 4:2:0) into luma close to PIL's convert('L')", (ctx) => {
    if (!pil) ctx.skip(pilMissing);
    const ref = fromDir('color-L.raw');
    for (const name of ['color.jpg', 'color-prog.jpg']) {
      const img = gray(decodeJpeg(fromDir(name)));
      expect(img.data.length, name).toBe(ref.length);
      // jpeg-js upsamples chroma by repetition, libjpeg by interpolation: small differences at edges.
      expect(meanAbsDiff(img.data, ref), name).toBeLessThan(1);
    }
  });

  it('ignores bytes after EOI', () => {
    const tail = new Uint8Array(real.length + 64).fill(0xab);
    tail.set(real);
    expect(same(gray(decodeJpeg(tail)), gray(decodeJpeg(real)))).toBe(true);
  });
});

describe('decodeJpeg on large images: reduced scale', () => {
  let photos: PilJpegs | string = 'not run';
  beforeAll(() => {
    photos = makePilJpegs(true);
  }, 120_000);
  afterAll(() => {
    if (typeof photos !== 'string') photos.dispose();
  });

  it('picks the largest scale whose output fits the budget', () => {
    expect(jpegDecodeScale(2000, 2000, JPEG_MAX_DECODED_PIXELS)).toBe(1);
    expect(jpegDecodeScale(4000, 3000, JPEG_MAX_DECODED_PIXELS)).toBe(2);
    expect(jpegDecodeScale(7000, 5000, JPEG_MAX_DECODED_PIXELS)).toBe(4);
    expect(jpegDecodeScale(359, 373, 359 * 373)).toBe(1);
    expect(jpegDecodeScale(359, 373, 359 * 373 - 1)).toBe(2);
    expect(jpegDecodeScale(359, 373, 1)).toBe(8);
  });

  it('decodes a slice over maxDecodedPixels at 1/2 and reports its upright source size', () => {
    const half = decodeJpeg(real, { maxDecodedPixels: 359 * 373 - 1 });
    expect(half).toMatchObject({ width: 180, height: 187, sourceWidth: 359, sourceHeight: 373 });
    const turned = decodeJpeg(withExif(real, 6), { maxDecodedPixels: 359 * 373 - 1 });
    expect(turned).toMatchObject({ width: 187, height: 180, sourceWidth: 373, sourceHeight: 359 });
    expect(decodeJpeg(real, { maxDecodedPixels: 100 })).toMatchObject({ width: 45, height: 47, sourceWidth: 359 });
  });

  it('decodes a 12 MP 4:2:0 phone photo (EXIF 6, baseline and progressive) at 1/2 to 1500x2000, upright', (ctx) => {
    if (typeof photos === 'string') return ctx.skip(photos);
    for (const name of ['photo.jpg', 'photo-prog.jpg']) {
      const img = decodeJpeg(photos.file(name));
      expect(img, name).toMatchObject({ kind: 'gray', width: 1500, height: 2000, sourceWidth: 3000, sourceHeight: 4000 });
      // libjpeg's own 1/2 luma (PIL draft), turned by orientation 6 the way the EXIF definition says.
      const want = uprightByDefinition({ width: 2000, height: 1500, data: photos.oracle(name, 2) }, 6);
      expect(meanAbsDiff(gray(img).data, want.data), name).toBeLessThan(0.7);
    }
  });
});

describe('decodeJpeg on damaged and hostile input', () => {
  it('refuses a file cut short anywhere with 422 image_truncated', () => {
    const cuts = [2, 3, 10, sofAt + 4, sofAt + 40, 700, real.length >> 1, real.length - 100, real.length - 2, real.length - 1];
    for (const cut of cuts) expectDecodeError(() => decodeJpeg(real.subarray(0, cut)), 422, 'image_truncated');
  });

  it('refuses empty, garbage and non-JPEG bytes with 422 image_corrupt', () => {
    let seed = 3;
    const garbage = Uint8Array.from({ length: 4096 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
    const png = new Uint8Array(readFileSync(new URL('../masks/18.png', IMAGES)));
    const sofBeforeJunk = Uint8Array.of(0xff, 0xd8, 0xff, 0xdb, 0x00, 0x04, 0x00, 0x00, 0x12, 0x34);
    for (const bytes of [new Uint8Array(0), new Uint8Array(1000), garbage, png, sofBeforeJunk]) {
      expectDecodeError(() => decodeJpeg(bytes), 422, 'image_corrupt');
    }
  });

  it('refuses a SOF claiming 60000x60000 with 413 before decoding or allocating', () => {
    const huge = patched((_, dv) => (dv.setUint16(sofAt + 5, 60000), dv.setUint16(sofAt + 7, 60000)));
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    expect(expectDecodeError(() => decodeJpeg(huge), 413, 'image_too_large').message).toContain('60000x60000');
    expect(performance.now() - t0).toBeLessThan(50);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  });

  it('refuses a zero side (422), too many pixels for maxPixels (413) and 12-bit samples (415)', () => {
    expectDecodeError(() => decodeJpeg(patched((_, dv) => dv.setUint16(sofAt + 5, 0))), 422, 'image_dimensions_invalid');
    expectDecodeError(() => decodeJpeg(real, { maxPixels: 359 * 373 - 1 }), 413, 'image_too_large');
    expect(gray(decodeJpeg(real, { maxPixels: 359 * 373 })).width).toBe(359);
    expectDecodeError(() => decodeJpeg(patched((b) => (b[sofAt + 4] = 12))), 415, 'unsupported_image_kind');
  });

  it('answers random damage inside the compressed data with a decode or a DecodeError, never another error', () => {
    const sos = real.findIndex((b, i) => b === 0xff && real[i + 1] === 0xda);
    let seed = 2024;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const outcomes = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const bytes = real.slice();
      for (let k = 0; k <= rand(6); k++) bytes[sos + 20 + rand(real.length - sos - 30)] = rand(256);
      if (i % 5 === 0) bytes[sofAt + 10 + rand(4)] = rand(256); // the component table too
      try {
        decodeJpeg(bytes);
        outcomes.add('decoded');
      } catch (err) {
        expect(err, String(err)).toBeInstanceOf(DecodeError);
        outcomes.add((err as DecodeError).code);
      }
    }
    expect(outcomes.size).toBeGreaterThan(0);
  });
});
