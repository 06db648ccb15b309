/**
 * decodeJpegLuma against oracles: jpeg-js at full scale on the 48 real covid-semiseg slices; the
 * textbook DCT truncation (dct-oracle) at reduced scales; libjpeg through PIL on colour,
 * progressive and 12 MP files; and twins that hold the same coefficients in a different
 * bit-stream layout (restart markers, scan scripts), which must decode to identical samples.
 */
import { readFileSync, readdirSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareMasked, reducedByDefinition, type GrayPlane } from './dct-oracle.test-support.js';
import { decodeJpegLuma } from './decode-jpeg-luma.js';
import { makePilJpegs, type PilJpegs } from './pil-jpegs.test-support.js';
import type { ScaleDenominator } from './zigzag.js';

const SLICES = new URL('../../../../../shared/data/covid-semiseg/test/images/', import.meta.url);
const slices = readdirSync(SLICES).filter((f) => f.endsWith('.jpg')).sort();
const readSlice = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, SLICES)));
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`testdata/${name}`, import.meta.url)));
const SCALES: ScaleDenominator[] = [1, 2, 4, 8];

/** jpeg-js at full size, as luma: its gray output as is, its RGB through BT.601 as PIL's convert('L'). */
function jpegJsLuma(bytes: Uint8Array): GrayPlane {
  const d = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
  const data = new Uint8Array(d.width * d.height);
  for (let i = 0, p = 0; i < data.length; i++, p += 3) data[i] = (d.data[p]! * 19595 + d.data[p + 1]! * 38470 + d.data[p + 2]! * 7471 + 0x8000) >>> 16;
  return { width: d.width, height: d.height, data };
}

function diff(a: Uint8Array | Uint16Array, b: Uint8Array): { max: number; mean: number } {
  expect(a.length).toBe(b.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > max) max = d;
    sum += d;
  }
  return { max, mean: sum / a.length };
}

describe('decodeJpegLuma on the committed fixtures (testdata/make-fixtures.sh)', () => {
  it('decodes each restart-marker twin (baseline every row, progressive every 2 and 3 blocks) exactly like its original', () => {
    for (const [rst, base] of [['rst-gray.jpg', 'base-gray.jpg'], ['rst-420.jpg', 'base-420.jpg'], ['rst-420-prog.jpg', 'base-420-prog.jpg'], ['rst-422-prog.jpg', 'base-422-prog.jpg']]) {
      for (const scale of SCALES) {
        const a = decodeJpegLuma(fixture(rst!), { scale });
        const b = decodeJpegLuma(fixture(base!), { scale });
        expect([a.width, a.height], `${rst} 1/${scale}`).toEqual([Math.ceil(101 / scale), Math.ceil(77 / scale)]);
        expect(Buffer.from(a.data).equals(Buffer.from(b.data)), `${rst} 1/${scale}`).toBe(true);
      }
    }
  });

  it('decodes separate per-component baseline scans and a split-band, 3-step progressive script like the one-scan file', () => {
    for (const name of ['scans-sequential.jpg', 'scans-progressive.jpg', 'base-420-prog.jpg']) {
      expect(decodeJpegLuma(fixture(name)).progressive, name).toBe(name !== 'scans-sequential.jpg');
      for (const scale of SCALES) {
        const a = decodeJpegLuma(fixture(name), { scale }).data;
        const b = decodeJpegLuma(fixture('base-420.jpg'), { scale }).data;
        expect(Buffer.from(a).equals(Buffer.from(b)), `${name} 1/${scale}`).toBe(true);
      }
    }
  });

  it('agrees with jpeg-js at full scale: gray within 1 level, colour within 3 of its RGB-to-luma', () => {
    for (const name of readdirSync(new URL('testdata/', import.meta.url)).filter((f) => f.endsWith('.jpg'))) {
      const ours = decodeJpegLuma(fixture(name));
      const ref = jpegJsLuma(fixture(name));
      const { max, mean } = diff(ours.data, ref.data);
      // Gray: two IDCTs' rounding. Colour: jpeg-js rounds and clips R, G and B before they are
      // mixed back to luma, which we never leave (measured max 2, mean 0.50; luma-half max 3).
      expect(max, name).toBeLessThanOrEqual(name.includes('gray') ? 1 : 3);
      expect(mean, name).toBeLessThan(name.includes('gray') ? 0.1 : 0.6);
    }
  });

  it('stretches a luma plane sampled below the frame (Y 1x1 under 2x2 chroma) to the frame size', () => {
    const half = fixture('luma-half.jpg');
    for (const scale of SCALES) {
      const out = decodeJpegLuma(half, { scale });
      expect([out.width, out.height, out.data.length]).toEqual([Math.ceil(101 / scale), Math.ceil(77 / scale), out.width * out.height]);
    }
  });
});

describe('decodeJpegLuma on the real covid-semiseg slices', () => {
  it(`matches jpeg-js within 1 level at full scale on all ${slices.length} test slices`, () => {
    expect(slices.length).toBe(48);
    let worst = 0;
    for (const name of slices) {
      const bytes = readSlice(name);
      const ours = decodeJpegLuma(bytes);
      const ref = jpegJsLuma(bytes);
      expect([ours.width, ours.height, ours.frameWidth, ours.progressive], name).toEqual([ref.width, ref.height, ref.width, false]);
      const { max, mean } = diff(ours.data, ref.data);
      worst = Math.max(worst, max);
      expect(mean, name).toBeLessThan(0.1); // measured 0.07 overall: float IDCT vs jpeg-js's integer one
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('matches the textbook DCT truncation at 1/2 and 1/4, and the exact block means at 1/8', () => {
    const totals = new Map<number, { max: number; sum: number; count: number }>();
    for (const name of slices.filter((_, i) => i % 3 === 0)) {
      const bytes = readSlice(name);
      const full = jpegJsLuma(bytes);
      for (const scale of [2, 4, 8] as const) {
        const ours = decodeJpegLuma(bytes, { scale });
        const oracle = reducedByDefinition(full, 8 / scale);
        expect([ours.width, ours.height]).toEqual([oracle.width, oracle.height]);
        const r = compareMasked(ours.data, oracle);
        const t = totals.get(scale) ?? { max: 0, sum: 0, count: 0 };
        totals.set(scale, { max: Math.max(t.max, r.max), sum: t.sum + r.mean * r.count, count: t.count + r.count });
      }
    }
    // The oracle starts from 8-bit rounded samples, so its coefficients carry that rounding
    // noise (about 0.3 level rms); within one level, mean far below it, is all the noise allows.
    for (const [scale, t] of totals) {
      expect(t.count, `1/${scale}`).toBeGreaterThan(1000);
      expect(t.max, `1/${scale}`).toBeLessThanOrEqual(scale === 8 ? 0 : 1);
      expect(t.sum / t.count, `1/${scale}`).toBeLessThan(0.2);
    }
  });
});

describe('decodeJpegLuma against libjpeg (PIL) on colour, progressive and 12 MP photos', () => {
  let pil: PilJpegs | string = 'not run';
  beforeAll(() => {
    pil = makePilJpegs(true);
  }, 120_000);
  afterAll(() => {
    if (typeof pil !== 'string') pil.dispose();
  });

  it('matches libjpeg within 1 level at 1/1 and 1/8 on 4:4:4, 4:2:2, 4:2:0 baseline and progressive files', (ctx) => {
    if (typeof pil === 'string') return ctx.skip(pil);
    const p = pil;
    for (const name of p.names.filter((n) => !n.startsWith('photo'))) {
      for (const scale of [1, 8] as const) {
        const { max, mean } = diff(decodeJpegLuma(p.file(name), { scale }).data, p.oracle(name, scale));
        expect(max, `${name} 1/${scale}`).toBeLessThanOrEqual(1);
        expect(mean, `${name} 1/${scale}`).toBeLessThan(0.05);
      }
    }
  });

  it('stays close to libjpeg-turbo at 1/2 and 1/4, which averages the full IDCT instead of truncating', (ctx) => {
    if (typeof pil === 'string') return ctx.skip(pil);
    const p = pil;
    // libjpeg-turbo's jidctred.c outputs the mean of each 2x2 (4x4) of the full 8-point IDCT, so
    // it folds in the coefficients above k that we drop. The two agree wherever a block has little
    // energy there: measured mean 0.47-0.59 on these files (and 2.1 on a sharp, noise-free gray
    // slice, which is why the exact check above uses the textbook oracle instead).
    for (const name of p.names) {
      for (const scale of [2, 4] as const) {
        const { mean } = diff(decodeJpegLuma(p.file(name), { scale }).data, p.oracle(name, scale));
        expect(mean, `${name} 1/${scale}`).toBeLessThan(0.7);
      }
    }
  });

  it('decodes the 12 MP baseline and progressive photos to the same 2000x1500 plane', (ctx) => {
    if (typeof pil === 'string') return ctx.skip(pil);
    const base = decodeJpegLuma(pil.file('photo.jpg'), { scale: 2 });
    const prog = decodeJpegLuma(pil.file('photo-prog.jpg'), { scale: 2 });
    expect([base.width, base.height, base.frameWidth, base.frameHeight, prog.progressive]).toEqual([2000, 1500, 4000, 3000, true]);
    expect(Buffer.from(base.data).equals(Buffer.from(prog.data))).toBe(true);
  });
});
