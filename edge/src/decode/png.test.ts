/**
 * decodePng on real PNGs (the covid-semiseg masks) and on every PNG flavour built from a real CT
 * slice: upng-js's own encoder for palette/RGB/RGBA, a small chunk writer here for what that
 * encoder cannot write (gray 1..16-bit, gray+alpha, 16-bit colour, Adam7). Damaged files must
 * fail with DecodeError and the right status, and nothing else.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { crc32, deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import UPNG from 'upng-js';
import { describe, expect, it } from 'vitest';
import { DecodeError, type DecodedImage } from './decoded-image.js';
import { decodePng, readPngHeader } from './png.js';
import { concatBytes } from '../../../shared/concat-bytes.js';
import { expectDecodeError } from './expect-decode-error.test-support.js';

const DATA = new URL('../../../../shared/data/covid-semiseg/test/', import.meta.url);
const MASKS = new URL('masks/', DATA);
const maskNames = readdirSync(MASKS).filter((f) => f.endsWith('.png')).sort();

/** A real slice, decoded once: the gray source of every synthetic PNG below. */
const slice = (() => {
  const d = jpeg.decode(readFileSync(new URL('images/18.jpg', DATA)), { useTArray: true, formatAsRGBA: false });
  const gray = new Uint8Array(d.width * d.height);
  for (let i = 0; i < gray.length; i++) gray[i] = d.data[i * 3]!;
  return { width: d.width, height: d.height, gray };
})();
const { width: W, height: H } = slice;
const at = (x: number, y: number): number => slice.gray[y * W + x]!;

// ---- a minimal PNG writer (filter 0 rows, zlib from node) -------------------------------------

function chunk(type: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

const concat = concatBytes;

const SIG = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

type Sample = (x: number, y: number, c: number) => number;

/** Rows of w x h pixels, each prefixed by filter type 0, samples packed MSB first (16-bit big-endian). */
function packRows(w: number, h: number, channels: number, depth: number, sample: Sample): Uint8Array {
  const stride = Math.ceil((w * channels * depth) / 8);
  const out = new Uint8Array(h * (stride + 1));
  for (let y = 0; y < h; y++) {
    const row = y * (stride + 1) + 1;
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < channels; c++) {
        const v = sample(x, y, c);
        const i = x * channels + c;
        if (depth === 16) (out[row + i * 2] = v >> 8), (out[row + i * 2 + 1] = v & 255);
        else if (depth === 8) out[row + i] = v;
        else out[row + ((i * depth) >> 3)]! |= v << (8 - depth - ((i * depth) & 7));
      }
    }
  }
  return out;
}

const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;

interface PngSpec {
  width?: number;
  height?: number;
  colorType: number;
  depth: number;
  sample: Sample;
  plte?: Uint8Array;
  interlace?: boolean;
  /** Chunks inserted before IDAT (tEXt and friends). */
  extra?: Uint8Array[];
  /** Split the zlib stream over this many IDAT chunks. */
  idats?: number;
}

function buildPng(s: PngSpec): Uint8Array {
  const w = s.width ?? W;
  const h = s.height ?? H;
  const ch = CHANNELS[s.colorType]!;
  let raw: Uint8Array;
  if (!s.interlace) raw = packRows(w, h, ch, s.depth, s.sample);
  else {
    raw = concat(ADAM7.map(([x0, y0, dx, dy]) => {
      const pw = Math.ceil((w - x0) / dx);
      const ph = Math.ceil((h - y0) / dy);
      return pw > 0 && ph > 0 ? packRows(pw, ph, ch, s.depth, (x, y, c) => s.sample(x0 + x * dx, y0 + y * dy, c)) : new Uint8Array(0);
    }));
  }
  const z = new Uint8Array(deflateSync(raw));
  const n = s.idats ?? 1;
  const step = Math.ceil(z.length / n);
  const idats = Array.from({ length: n }, (_, i) => chunk('IDAT', z.subarray(i * step, (i + 1) * step)));
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, w);
  dv.setUint32(4, h);
  ihdr.set([s.depth, s.colorType, 0, 0, s.interlace ? 1 : 0], 8);
  return concat([SIG, chunk('IHDR', ihdr), ...(s.plte ? [chunk('PLTE', s.plte)] : []), ...(s.extra ?? []), ...idats, chunk('IEND')]);
}

/** The 8-bit slice as RGBA frames for upng-js's encoder (its only input format). */
function rgbaOf(alpha: (x: number, y: number) => number, tint = false, value = at): ArrayBuffer {
  const rgba = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const v = value(x, y);
    rgba.set(tint ? [v, 255 - v, v >> 1, alpha(x, y)] : [v, v, v, alpha(x, y)], (y * W + x) * 4);
  }
  return rgba.buffer;
}
const upngEncode = UPNG.encode as (frames: ArrayBuffer[], w: number, h: number, colours: number, delays?: number[], forbidPlte?: boolean) => ArrayBuffer;

/** PIL's convert('L') formula; checked against PIL itself below. */
const luma = (r: number, g: number, b: number): number => (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;

function expectGray(img: DecodedImage, bitDepth: 8 | 16, expected: (x: number, y: number) => number): void {
  expect(img.kind).toBe('gray');
  if (img.kind !== 'gray') return;
  expect([img.width, img.height, img.bitDepth]).toEqual([W, H, bitDepth]);
  expect(img.data).toBeInstanceOf(bitDepth === 16 ? Uint16Array : Uint8Array);
  const want = new (bitDepth === 16 ? Uint16Array : Uint8Array)(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) want[y * W + x] = expected(x, y);
  expect(img.data.length).toBe(W * H);
  expect(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength).equals(Buffer.from(want.buffer))).toBe(true);
}


/** A 16-bit sample with its low byte unrelated to its high byte, so any truncation shows. */
const s16 = (x: number, y: number): number => (at(x, y) << 8) | ((x * 31 + y * 17) & 255);

describe('decodePng on real files', () => {
  it(`decodes all ${maskNames.length} covid-semiseg test masks (8-bit gray) exactly`, () => {
    expect(maskNames.length).toBe(48);
    for (const name of maskNames) {
      const bytes = new Uint8Array(readFileSync(new URL(name, MASKS)));
      const img = decodePng(bytes);
      // upng-js's own RGBA path as the reference: a different route through the same pixels.
      const ref = UPNG.decode(bytes.slice().buffer);
      const rgba = new Uint8Array(UPNG.toRGBA8(ref)[0]!);
      expect(img.kind, name).toBe('gray');
      if (img.kind !== 'gray') continue;
      expect([img.width, img.height, img.bitDepth], name).toEqual([ref.width, ref.height, 8]);
      const r = new Uint8Array(img.width * img.height);
      for (let i = 0; i < r.length; i++) r[i] = rgba[i * 4]!;
      expect(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength).equals(Buffer.from(r.buffer)), name).toBe(true);
    }
  });
});

describe('decodePng on PNG flavours built from a real slice', () => {
  it('8-bit gray keeps every sample', () => {
    expectGray(decodePng(buildPng({ colorType: 0, depth: 8, sample: at })), 8, at);
  });

  it('16-bit gray keeps all 16 bits (no truncation to 8)', () => {
    const img = decodePng(buildPng({ colorType: 0, depth: 16, sample: s16 }));
    expectGray(img, 16, s16);
    // And the value*257 form: what a 8->16-bit export writes.
    expectGray(decodePng(buildPng({ colorType: 0, depth: 16, sample: (x, y) => at(x, y) * 257 })), 16, (x, y) => at(x, y) * 257);
  });

  it.each([1, 2, 4])('%i-bit gray is scaled to 8 bits', (depth) => {
    const levels = (1 << depth) - 1;
    const q = (x: number, y: number): number => at(x, y) >> (8 - depth);
    expectGray(decodePng(buildPng({ colorType: 0, depth, sample: q })), 8, (x, y) => Math.round((q(x, y) * 255) / levels));
  });

  it('gray+alpha keeps the gray and ignores alpha, 8 and 16 bit', () => {
    const alpha = (x: number): number => (x * 5) & 255;
    expectGray(decodePng(buildPng({ colorType: 4, depth: 8, sample: (x, y, c) => (c === 0 ? at(x, y) : alpha(x)) })), 8, at);
    expectGray(decodePng(buildPng({ colorType: 4, depth: 16, sample: (x, y, c) => (c === 0 ? s16(x, y) : alpha(x) * 257) })), 16, s16);
  });

  it('palette (upng-js encoder, 8-bit indices) becomes the gray it encodes', () => {
    // upng-js writes a palette only for <= 256 colours including its own black entry: 128 levels.
    const even = (x: number, y: number): number => at(x, y) & 0xfe;
    const png = new Uint8Array(upngEncode([rgbaOf(() => 255, false, even)], W, H, 0));
    expect(readPngHeader(png)).toMatchObject({ colorType: 3, bitDepth: 8 });
    expectGray(decodePng(png), 8, even);
  });

  it('RGB and RGBA (upng-js encoder) of a gray slice decode to that slice', () => {
    const rgb = new Uint8Array(upngEncode([rgbaOf(() => 255)], W, H, 0, undefined, true));
    expect(readPngHeader(rgb).colorType).toBe(2);
    expectGray(decodePng(rgb), 8, at);
    const rgba = new Uint8Array(upngEncode([rgbaOf((x) => 128 + (x & 127))], W, H, 0, undefined, true));
    expect(readPngHeader(rgba).colorType).toBe(6);
    expectGray(decodePng(rgba), 8, at);
  });

  it('tinted RGB becomes BT.601 luma', () => {
    const png = new Uint8Array(upngEncode([rgbaOf(() => 255, true)], W, H, 0, undefined, true));
    expect(readPngHeader(png).colorType).toBe(2);
    expectGray(decodePng(png), 8, (x, y) => luma(at(x, y), 255 - at(x, y), at(x, y) >> 1));
  });

  it('16-bit RGB and RGBA keep 16 bits of luma', () => {
    const gray16 = (x: number, y: number, c: number): number => (c === 3 ? 65535 : s16(x, y));
    expectGray(decodePng(buildPng({ colorType: 2, depth: 16, sample: gray16 })), 16, s16);
    expectGray(decodePng(buildPng({ colorType: 6, depth: 16, sample: gray16 })), 16, s16);
    const tint = (x: number, y: number, c: number): number => [s16(x, y), 65535 - s16(x, y), s16(x, y) >> 1, 40000][c]!;
    expectGray(decodePng(buildPng({ colorType: 6, depth: 16, sample: tint })), 16, (x, y) => luma(tint(x, y, 0), tint(x, y, 1), tint(x, y, 2)));
  });

  it.each([1, 2, 4, 8])('%i-bit palette indices go through the PLTE', (depth) => {
    const n = 1 << depth;
    const plte = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) plte.set([(i * 37) & 255, (i * 91) & 255, (i * 13) & 255], i * 3);
    const index = (x: number, y: number): number => at(x, y) >> (8 - depth);
    const expected = (x: number, y: number): number => {
      const i = index(x, y) * 3;
      return luma(plte[i]!, plte[i + 1]!, plte[i + 2]!);
    };
    expectGray(decodePng(buildPng({ colorType: 3, depth, plte, sample: index })), 8, expected);
  });

  it('Adam7-interlaced 8-bit and 16-bit gray and 2-bit palette decode like the plain files', () => {
    expectGray(decodePng(buildPng({ colorType: 0, depth: 8, sample: at, interlace: true })), 8, at);
    expectGray(decodePng(buildPng({ colorType: 0, depth: 16, sample: s16, interlace: true })), 16, s16);
    const plte = Uint8Array.of(0, 0, 0, 90, 90, 90, 170, 170, 170, 255, 255, 255);
    const q = (x: number, y: number): number => at(x, y) >> 6;
    expectGray(decodePng(buildPng({ colorType: 3, depth: 2, plte, sample: q, interlace: true })), 8, (x, y) => plte[q(x, y) * 3]!);
  });

  it('refuses interlaced 1-bit (upng-js 2.1.0 misplaces its pixels) with 422', () => {
    const png = buildPng({ colorType: 0, depth: 1, sample: (x, y) => at(x, y) >> 7, interlace: true });
    expectDecodeError(() => decodePng(png), 422, 'unsupported_image_kind');
  });

  it('reads image data split over many IDAT chunks, and skips ancillary chunks upng-js mishandles', () => {
    // upng-js 2.1.0 scans a tEXt without its NUL separator to the next zero byte (forever if none
    // follows) and decodes APNG frames after an acTL; neither reaches it. A bad CRC on an
    // ancillary chunk only drops that chunk.
    const badCrc = chunk('zTXt', Uint8Array.of(1, 2, 3));
    badCrc[badCrc.length - 1]! ^= 0xff;
    const extra = [chunk('tEXt', new TextEncoder().encode('no separator here')), chunk('acTL', new Uint8Array(8)), badCrc];
    expectGray(decodePng(buildPng({ colorType: 0, depth: 8, sample: at, idats: 7, extra })), 8, at);
  });

  it('matches PIL\'s convert("L") on a tinted RGB PNG', (ctx) => {
    const pil = spawnSync('/usr/bin/python3', ['-c', 'import PIL'], { encoding: 'utf8' });
    if (pil.status !== 0) ctx.skip('python3 with PIL (python3-pil) is not installed');
    const png = new Uint8Array(upngEncode([rgbaOf(() => 255, true)], W, H, 0, undefined, true));
    const script = 'import sys; from PIL import Image; import io; sys.stdout.buffer.write(Image.open(io.BytesIO(sys.stdin.buffer.read())).convert("L").tobytes())';
    const out = spawnSync('/usr/bin/python3', ['-c', script], { input: png, maxBuffer: 1 << 24 });
    expect(out.status, String(out.stderr)).toBe(0);
    const img = decodePng(png);
    expect(Buffer.from(img.data as Uint8Array).equals(out.stdout)).toBe(true);
  });
});

/** A real mask as bytes. */
const realPng = new Uint8Array(readFileSync(new URL(maskNames[0]!, MASKS)));

/** A copy of `png` with its IHDR rewritten (and its CRC recomputed). */
function withIhdr(png: Uint8Array, patch: (ihdr: DataView) => void): Uint8Array {
  const out = png.slice();
  patch(new DataView(out.buffer, 16, 13));
  new DataView(out.buffer).setUint32(29, crc32(out.subarray(12, 29)));
  return out;
}

describe('decodePng on damaged and hostile input', () => {
  it('refuses a file cut short anywhere with 422 image_truncated', () => {
    const cuts = [9, 20, 32, 33, 40, 60, Math.floor(realPng.length / 2), realPng.length - 13, realPng.length - 1];
    for (const cut of cuts) {
      const e = expectDecodeError(() => decodePng(realPng.subarray(0, cut)), 422, 'image_truncated');
      expect(e.message.length).toBeGreaterThan(10);
    }
  });

  it('refuses empty, garbage and non-PNG bytes with 422 image_corrupt', () => {
    const jpg = new Uint8Array(readFileSync(new URL('images/18.jpg', DATA)));
    let seed = 7;
    const garbage = Uint8Array.from({ length: 4096 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
    for (const bytes of [new Uint8Array(0), new Uint8Array(100), garbage, jpg, new TextEncoder().encode('not a png at all')]) {
      expectDecodeError(() => decodePng(bytes), 422, 'image_corrupt');
    }
  });

  it('refuses an IHDR claiming 60000x60000 with 413 before inflating or allocating anything', () => {
    const huge = withIhdr(realPng, (ihdr) => (ihdr.setUint32(0, 60000), ihdr.setUint32(4, 60000)));
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    const e = expectDecodeError(() => decodePng(huge), 413, 'image_too_large');
    expect(performance.now() - t0).toBeLessThan(50);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    expect(e.message).toContain('60000x60000');
    // Only the 33 header bytes are needed for that answer.
    expectDecodeError(() => decodePng(huge.subarray(0, 33)), 413, 'image_too_large');
  });

  it('refuses zero and over-65535 sides with 422 image_dimensions_invalid', () => {
    expectDecodeError(() => decodePng(withIhdr(realPng, (d) => d.setUint32(0, 0))), 422, 'image_dimensions_invalid');
    expectDecodeError(() => decodePng(withIhdr(realPng, (d) => d.setUint32(4, 0))), 422, 'image_dimensions_invalid');
    expectDecodeError(() => decodePng(withIhdr(realPng, (d) => d.setUint32(0, 70000))), 422, 'image_dimensions_invalid');
  });

  it('applies maxPixels and the inflated-size cap with 413', () => {
    expectDecodeError(() => decodePng(realPng, { maxPixels: 1000 }), 413, 'image_too_large');
    const rgba16 = buildPng({ colorType: 6, depth: 16, width: 64, height: 64, sample: () => 1 });
    expect(decodePng(rgba16).kind).toBe('gray');
    expectDecodeError(() => decodePng(rgba16, { maxRawBytes: 64 * 64 * 8 }), 413, 'image_too_large');
  });

  it('refuses invalid header fields, bad CRCs and broken structure with 422 image_corrupt', () => {
    const cases: Uint8Array[] = [
      withIhdr(realPng, (d) => d.setUint8(8, 3)), // 3-bit depth
      withIhdr(realPng, (d) => d.setUint8(9, 5)), // colour type 5
      withIhdr(realPng, (d) => d.setUint8(10, 1)), // compression method 1
      withIhdr(realPng, (d) => d.setUint8(12, 2)), // interlace method 2
      (() => { const b = realPng.slice(); b[20]! ^= 1; return b; })(), // IHDR CRC
      (() => { const b = realPng.slice(); b[60]! ^= 0x40; return b; })(), // inside IDAT: its CRC
      buildPng({ colorType: 3, depth: 8, sample: at }), // palette without PLTE
      buildPng({ colorType: 0, depth: 8, sample: at, extra: [chunk('ABCD', new Uint8Array(4))] }), // unknown critical chunk
      concat([SIG, realPng.subarray(8, 33), chunk('IEND')]), // no IDAT
    ];
    for (const bytes of cases) expectDecodeError(() => decodePng(bytes), 422, 'image_corrupt');
  });

  it('refuses a palette index beyond the PLTE', () => {
    const png = buildPng({ colorType: 3, depth: 8, plte: Uint8Array.of(0, 0, 0, 255, 255, 255), sample: (x) => x & 3 });
    expect(expectDecodeError(() => decodePng(png), 422, 'image_corrupt').message).toContain('palette index');
  });

  it('tells a short zlib stream (valid CRCs) as image_truncated and a broken one as image_corrupt', () => {
    const z = new Uint8Array(deflateSync(packRows(W, H, 1, 8, at)));
    const ihdr = realPng.subarray(8, 33).slice();
    new DataView(ihdr.buffer).setUint32(8, W);
    new DataView(ihdr.buffer).setUint32(12, H);
    new DataView(ihdr.buffer).setUint32(21, crc32(ihdr.subarray(4, 21)));
    const withIdat = (idat: Uint8Array): Uint8Array => concat([SIG, ihdr, chunk('IDAT', idat), chunk('IEND')]);
    expect(decodePng(withIdat(z)).width).toBe(W);
    expectDecodeError(() => decodePng(withIdat(z.subarray(0, z.length >> 1))), 422, 'image_truncated');
    const broken = z.slice();
    for (let i = 10; i < broken.length; i += 3) broken[i] = 0xff;
    expectDecodeError(() => decodePng(withIdat(broken)), 422, 'image_corrupt');
  });

  it('answers random damage to the compressed data with a decode or a DecodeError, never another error', () => {
    const small = { width: 48, height: 40 };
    const z = new Uint8Array(deflateSync(packRows(small.width, small.height, 1, 8, at)));
    const ihdr = new Uint8Array(13);
    new DataView(ihdr.buffer).setUint32(0, small.width);
    new DataView(ihdr.buffer).setUint32(4, small.height);
    ihdr.set([8, 0, 0, 0, 0], 8);
    let seed = 12345;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const outcomes = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const idat = z.slice();
      for (let k = 0; k <= rand(4); k++) idat[rand(idat.length)] = rand(256);
      const png = concat([SIG, chunk('IHDR', ihdr), chunk('IDAT', idat.subarray(0, idat.length - rand(3))), chunk('IEND')]);
      try {
        const img = decodePng(png);
        expect([img.width, img.height]).toEqual([small.width, small.height]);
        outcomes.add('decoded');
      } catch (err) {
        expect(err).toBeInstanceOf(DecodeError);
        outcomes.add((err as DecodeError).code);
      }
    }
    expect(outcomes.has('image_corrupt') || outcomes.has('image_truncated')).toBe(true);
  });
});
