/**
 * decodePng on damaged and hostile input: truncations, garbage, headers that lie about size or
 * fields, bad CRCs, broken zlib streams and random damage must fail with DecodeError and the
 * right status, and nothing else.
 */
import { readFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DecodeError } from './decoded-image.js';
import { decodePng } from './png.js';
import { expectDecodeError } from './expect-decode-error.test-support.js';
import { buildPng, chunk, concat, packRows, SIG } from './png-builder.test-support.js';
import { at, DATA, H, MASKS, maskNames, W } from './png-slice.test-support.js';

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
