/**
 * Real data for the imaging tests, read from ../shared/data (never copied into the repo) and
 * decoded with the repo's own decoders, so the tests see what the edge sees.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { GrayImage } from '../../../shared/image/gray-image.js';
import { decodeJpeg } from '../decode/jpeg.js';
import { decodePng } from '../decode/png.js';

export const DATA = new URL('../../../../shared/data/', import.meta.url);
export const TEST_SET = new URL('covid-semiseg/test/', DATA);
export const DICOM = new URL('dicom/', DATA);

export const readData = (url: URL): Uint8Array => new Uint8Array(readFileSync(url));

/** Names of the covid-semiseg test masks, sorted. */
export const testMaskNames = (): string[] =>
  readdirSync(new URL('masks/', TEST_SET))
    .filter((f) => f.endsWith('.png'))
    .sort();

/** An 8-bit gray PNG or JPEG from ../shared/data as a GrayImage (fails the test on anything else). */
export function loadGray(url: URL): GrayImage {
  const bytes = readData(url);
  const image = url.pathname.endsWith('.png') ? decodePng(bytes) : decodeJpeg(bytes);
  if (image.kind !== 'gray' || image.bitDepth !== 8 || !(image.data instanceof Uint8Array)) {
    throw new Error(`${url.pathname}: expected 8-bit gray, got ${image.kind}`);
  }
  return { width: image.width, height: image.height, data: image.data };
}

/** A covid-semiseg test mask (0/255) by file name. */
export const loadTestMask = (name: string): GrayImage => loadGray(new URL(`masks/${name}`, TEST_SET));

/** A covid-semiseg test CT slice (8-bit, lung-windowed JPEG) by file name. */
export const loadTestSlice = (name: string): GrayImage => loadGray(new URL(`images/${name}`, TEST_SET));

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}
