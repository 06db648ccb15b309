/**
 * decodePng on real PNGs (the covid-semiseg masks) and on every PNG flavour built from a real CT
 * slice: upng-js's own encoder for palette/RGB/RGBA, the chunk writer of png-builder.test-support
 * for what that encoder cannot write (gray 1..16-bit, gray+alpha, 16-bit colour, Adam7). Damaged
 * and hostile files are in png-damaged.test.ts.
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import UPNG from 'upng-js';
import { describe, expect, it } from 'vitest';
import { decodePng, readPngHeader } from './png.js';
import { buildPng, chunk, rgbaOf, upngEncode } from './png-builder.test-support.js';
import { at, expectGray, H, MASKS, maskNames, s16, W } from './png-slice.test-support.js';

/** PIL's convert('L') formula; checked against PIL itself below. */
const luma = (r: number, g: number, b: number): number => (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;

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

  it('Adam7-interlaced 1-, 2- and 4-bit gray decode like the plain files (upng-js 2.1.0 misplaced 1-bit pixels)', () => {
    for (const depth of [1, 2, 4]) {
      const levels = (1 << depth) - 1;
      const q = (x: number, y: number): number => at(x, y) >> (8 - depth);
      expectGray(decodePng(buildPng({ colorType: 0, depth, sample: q, interlace: true })), 8, (x, y) => Math.round((q(x, y) * 255) / levels));
    }
  });

  it('Adam7 images too small to fill every pass (empty passes have no rows) decode exactly', () => {
    for (const [width, height] of [[1, 1], [2, 3], [5, 1], [1, 9], [9, 10]] as const) {
      const img = decodePng(buildPng({ width, height, colorType: 0, depth: 8, sample: at, interlace: true }));
      expect([img.width, img.height]).toEqual([width, height]);
      expect([...img.data]).toEqual(Array.from({ length: width * height }, (_, i) => at(i % width, Math.floor(i / width))));
      const bits = decodePng(buildPng({ width, height, colorType: 0, depth: 1, sample: (x, y) => at(x, y) >> 7, interlace: true }));
      expect([...bits.data]).toEqual(Array.from({ length: width * height }, (_, i) => (at(i % width, Math.floor(i / width)) >> 7) * 255));
    }
  });

  it('every filter type (0..4, row by row) on every pixel size and Adam7 decodes like unfiltered rows', () => {
    const plte = Uint8Array.from({ length: 16 * 3 }, (_, i) => (i * 37) & 255);
    const flavours = [
      ...[1, 2, 4, 8, 16].map((depth) => ({ colorType: 0, depth })),
      { colorType: 4, depth: 8 }, { colorType: 4, depth: 16 },
      { colorType: 2, depth: 8 }, { colorType: 2, depth: 16 },
      { colorType: 6, depth: 8 }, { colorType: 6, depth: 16 },
      { colorType: 3, depth: 4, plte },
    ];
    for (const f of flavours) {
      const max = (1 << (f.colorType === 3 ? 4 : f.depth)) - 1;
      const sample = (x: number, y: number, c: number): number => Math.round((((at(x, y) + c * 40) & 255) * max) / 255);
      for (const interlace of [false, true]) {
        const plain = decodePng(buildPng({ ...f, sample, interlace }));
        const filtered = decodePng(buildPng({ ...f, sample, interlace, filter: (y) => (y * 3 + 1) % 5 }));
        expect(filtered, `colour type ${f.colorType}, ${f.depth}-bit, interlace ${interlace}`).toEqual(plain);
      }
    }
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
