/**
 * Test support for the PNG decoder's tests: the real data they use (the covid-semiseg test masks,
 * and one real CT slice decoded once as the gray source of every synthetic PNG) and the
 * assertion that a decode gives back exactly the gray samples expected of that slice.
 */
import { readFileSync, readdirSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { expect } from 'vitest';
import type { DecodedImage } from './decoded-image.js';

export const DATA = new URL('../../../../shared/data/covid-semiseg/test/', import.meta.url);
export const MASKS = new URL('masks/', DATA);
export const maskNames = readdirSync(MASKS).filter((f) => f.endsWith('.png')).sort();

/** A real slice, decoded once: the gray source of every synthetic PNG. */
const slice = (() => {
  const d = jpeg.decode(readFileSync(new URL('images/18.jpg', DATA)), { useTArray: true, formatAsRGBA: false });
  const gray = new Uint8Array(d.width * d.height);
  for (let i = 0; i < gray.length; i++) gray[i] = d.data[i * 3]!;
  return { width: d.width, height: d.height, gray };
})();
export const { width: W, height: H } = slice;
export const at = (x: number, y: number): number => slice.gray[y * W + x]!;

/** A 16-bit sample with its low byte unrelated to its high byte, so any truncation shows. */
export const s16 = (x: number, y: number): number => (at(x, y) << 8) | ((x * 31 + y * 17) & 255);

/** Asserts that `img` is W x H gray of `bitDepth` whose every sample is `expected(x, y)`. */
export function expectGray(img: DecodedImage, bitDepth: 8 | 16, expected: (x: number, y: number) => number): void {
  expect(img.kind).toBe('gray');
  if (img.kind !== 'gray') return;
  expect([img.width, img.height, img.bitDepth]).toEqual([W, H, bitDepth]);
  expect(img.data).toBeInstanceOf(bitDepth === 16 ? Uint16Array : Uint8Array);
  const want = new (bitDepth === 16 ? Uint16Array : Uint8Array)(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) want[y * W + x] = expected(x, y);
  expect(img.data.length).toBe(W * H);
  expect(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength).equals(Buffer.from(want.buffer))).toBe(true);
}
