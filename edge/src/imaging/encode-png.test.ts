/**
 * encodeGrayPng checked by two decoders that share no code with it (upng-js) or with each other's
 * inflate path (the repo's decodePng checks chunk CRCs and structure first): real masks, real
 * probability-like maps, every filter, odd sizes and 1x1. The chunk layout is checked with node's
 * zlib (CRC-32, inflate).
 */
import { readdirSync } from 'node:fs';
import { crc32, inflateSync } from 'node:zlib';
import UPNG from 'upng-js';
import { describe, expect, it } from 'vitest';
import type { GrayImage } from '../../../shared/image/gray-image.js';
import { decodePng } from '../decode/png.js';
import { encodeGrayPng } from './encode-png.js';
import { DATA, loadGray, loadTestMask, pseudoRandomBytes, testMaskNames } from './imaging-data.test-support.js';
import type { PngFilterStrategy } from './png-row-filters.js';

const STRATEGIES: PngFilterStrategy[] = ['none', 'sub', 'up', 'average', 'paeth', 'adaptive'];

/** Blurred, shifted, noisy predictions made from covid-semiseg masks (see metric-vectors/README.md). */
const PREDS = new URL('metric-vectors/preds/', DATA);
const realMaps = (): [string, GrayImage][] =>
  readdirSync(PREDS)
    .filter((f) => f.startsWith('covid-'))
    .sort()
    .map((f) => [f, loadGray(new URL(f, PREDS))]);

async function expectRoundTrip(image: GrayImage, filter?: PngFilterStrategy | 'auto'): Promise<Uint8Array> {
  const png = await encodeGrayPng(image, filter ? { filter } : {});
  const viaUpng = UPNG.decode(png.slice().buffer);
  expect([viaUpng.width, viaUpng.height, viaUpng.depth, viaUpng.ctype]).toEqual([image.width, image.height, 8, 0]);
  expect(Buffer.from(new Uint8Array(viaUpng.data)).subarray(0, image.data.length).equals(Buffer.from(image.data))).toBe(true);
  const viaRepo = decodePng(png);
  expect(viaRepo).toMatchObject({ kind: 'gray', width: image.width, height: image.height, bitDepth: 8 });
  expect(Buffer.from(viaRepo.data as Uint8Array).equals(Buffer.from(image.data))).toBe(true);
  return png;
}

/** The chunks of a PNG, with their CRCs checked by node's zlib. */
function chunks(png: Uint8Array): { type: string; data: Buffer }[] {
  const b = Buffer.from(png);
  expect(b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  const out: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < b.length; ) {
    const length = b.readUInt32BE(at);
    const type = b.toString('latin1', at + 4, at + 8);
    expect(b.readUInt32BE(at + 8 + length), `${type} CRC`).toBe(crc32(b.subarray(at + 4, at + 8 + length)));
    out.push({ type, data: b.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return out;
}

describe('encodeGrayPng', () => {
  it('writes signature, IHDR (gray, 8-bit), one zlib IDAT, IEND, with valid CRCs', async () => {
    const png = await encodeGrayPng({ width: 3, height: 2, data: Uint8Array.of(1, 2, 3, 4, 5, 6) });
    const list = chunks(png);
    expect(list.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(Array.from(list[0]!.data)).toEqual([0, 0, 0, 3, 0, 0, 0, 2, 8, 0, 0, 0, 0]);
    expect(list[1]!.data[0]).toBe(0x78); // zlib header: deflate, 32K window (RFC 1950)
    expect(inflateSync(list[1]!.data).length).toBe(2 * (1 + 3));
    expect(list[2]!.data.length).toBe(0);
  });

  it('round-trips every covid-semiseg test mask (upng-js and decodePng agree)', async () => {
    for (const name of testMaskNames()) await expectRoundTrip(loadTestMask(name));
  });

  it('round-trips real probability-like maps with every filter', async () => {
    for (const [, map] of realMaps()) for (const filter of STRATEGIES) await expectRoundTrip(map, filter);
  });

  it('auto filter: none for a two-level mask, sub for a map', async () => {
    const rowFilters = (png: Uint8Array, image: GrayImage): Set<number> => {
      const raw = inflateSync(chunks(png).find((c) => c.type === 'IDAT')!.data);
      return new Set(Array.from({ length: image.height }, (_, y) => raw[y * (image.width + 1)]!));
    };
    const mask = loadTestMask(testMaskNames()[0]!);
    expect(rowFilters(await encodeGrayPng(mask), mask)).toEqual(new Set([0]));
    const [, map] = realMaps()[0]!;
    expect(rowFilters(await encodeGrayPng(map), map)).toEqual(new Set([1]));
  });

  it('round-trips 1x1, single rows and columns, odd sizes and noise, with every filter', async () => {
    const sizes: [number, number][] = [[1, 1], [1, 9], [9, 1], [3, 5], [17, 31], [257, 3], [1000, 2]];
    for (const [width, height] of sizes) {
      const noise = pseudoRandomBytes(width * height, width * 1000 + height);
      for (const filter of [...STRATEGIES, 'auto' as const]) await expectRoundTrip({ width, height, data: noise }, filter);
    }
    await expectRoundTrip({ width: 1, height: 1, data: Uint8Array.of(0) });
    await expectRoundTrip({ width: 1, height: 1, data: Uint8Array.of(255) });
  });

  it('round-trips a 2000x1500 noisy image (an IDAT of many stream chunks)', async () => {
    const width = 2000;
    const height = 1500;
    const noise = pseudoRandomBytes(width * height, 99);
    // smooth ramps plus 6 bits of noise: compressible, yet megabytes of IDAT
    const data = Uint8Array.from(noise, (v, i) => ((i % width) >> 3) + (v & 0x3f));
    const png = await expectRoundTrip({ width, height, data });
    expect(png.length).toBeGreaterThan(1_000_000);
  });

  it('makes masks small: a covid-semiseg mask in a few KB', async () => {
    const mask = loadTestMask(testMaskNames()[0]!);
    expect((await encodeGrayPng(mask)).length).toBeLessThan(8 * 1024);
  });

  it('refuses an image whose pixel count does not match its size', async () => {
    await expect(encodeGrayPng({ width: 2, height: 2, data: new Uint8Array(3) })).rejects.toThrow(RangeError);
  });
});
