/**
 * The JPEG header readers: the marker walk, the SOF size, the EXIF Orientation parser (real
 * slices with an APP1 segment spliced in, then every way it can be malformed) and the eight
 * orientation transforms, checked against the EXIF definition of where the stored first row and
 * first column belong.
 */
import { readFileSync, readdirSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { DecodeError } from './decoded-image.js';
import { uprightByDefinition } from './exif-orientation-oracle.test-support.js';
import { applyOrientation, jpegDimensions, readExifOrientation, walkJpegSegments, type OrientableImage } from './jpeg-orientation.js';

const IMAGES = new URL('../../../../shared/data/covid-semiseg/test/images/', import.meta.url);
const names = readdirSync(IMAGES).filter((f) => f.endsWith('.jpg')).sort();
const real = new Uint8Array(readFileSync(new URL('18.jpg', IMAGES)));

/** TIFF/EXIF block with IFD0 = ImageWidth, Orientation, XResolution (tags in ascending order, as the spec wants). */
function exifTiff(orientation: number, order: 'II' | 'MM', type = 3): Uint8Array {
  const le = order === 'II';
  const tiff = new Uint8Array(8 + 2 + 3 * 12 + 4 + 8);
  const dv = new DataView(tiff.buffer);
  tiff.set(le ? [0x49, 0x49] : [0x4d, 0x4d]);
  dv.setUint16(2, 42, le);
  dv.setUint32(4, 8, le);
  dv.setUint16(8, 3, le);
  const entry = (i: number, tag: number, t: number, value: (at: number) => void): void => {
    const at = 10 + 12 * i;
    dv.setUint16(at, tag, le);
    dv.setUint16(at + 2, t, le);
    dv.setUint32(at + 4, 1, le);
    value(at + 8);
  };
  entry(0, 0x0100, 4, (at) => dv.setUint32(at, 359, le));
  entry(1, 0x0112, type, (at) => (type === 3 ? dv.setUint16(at, orientation, le) : dv.setUint32(at, orientation, le)));
  entry(2, 0x011a, 5, (at) => dv.setUint32(at, 50, le)); // RATIONAL at offset 50
  dv.setUint32(46, 0, le); // no IFD1
  dv.setUint32(50, 72, le);
  dv.setUint32(54, 1, le);
  return tiff;
}

/** APP1 segment: FF E1, length, "Exif\0\0", TIFF. */
function app1(payload: Uint8Array, header = 'Exif\0\0'): Uint8Array {
  const seg = new Uint8Array(4 + header.length + payload.length);
  seg.set([0xff, 0xe1, (seg.length - 2) >> 8, (seg.length - 2) & 255]);
  for (let i = 0; i < header.length; i++) seg[4 + i] = header.charCodeAt(i);
  seg.set(payload, 4 + header.length);
  return seg;
}

/** The JPEG with `segments` inserted right after SOI. */
function withSegments(jpg: Uint8Array, ...segments: Uint8Array[]): Uint8Array {
  const total = segments.reduce((n, s) => n + s.length, 0);
  const out = new Uint8Array(jpg.length + total);
  out.set(jpg.subarray(0, 2));
  let o = 2;
  for (const s of segments) (out.set(s, o), (o += s.length));
  out.set(jpg.subarray(2), o);
  return out;
}

function grayOf(jpg: Uint8Array): OrientableImage {
  const d = jpeg.decode(jpg, { useTArray: true, formatAsRGBA: false });
  const data = new Uint8Array(d.width * d.height);
  for (let i = 0; i < data.length; i++) data[i] = d.data[i * 3]!;
  return { width: d.width, height: d.height, data };
}

function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return err as DecodeError;
  }
  throw new Error('expected a DecodeError');
}

describe('applyOrientation', () => {
  // a b c
  // d e f
  const img = { width: 3, height: 2, data: Uint8Array.of(1, 2, 3, 4, 5, 6) };
  it.each([
    [1, 3, 2, [1, 2, 3, 4, 5, 6]],
    [2, 3, 2, [3, 2, 1, 6, 5, 4]], // mirror left-right
    [3, 3, 2, [6, 5, 4, 3, 2, 1]], // rotate 180
    [4, 3, 2, [4, 5, 6, 1, 2, 3]], // flip top-bottom
    [5, 2, 3, [1, 4, 2, 5, 3, 6]], // transpose
    [6, 2, 3, [4, 1, 5, 2, 6, 3]], // rotate 90 clockwise
    [7, 2, 3, [6, 3, 5, 2, 4, 1]], // transverse
    [8, 2, 3, [3, 6, 2, 5, 1, 4]], // rotate 270 clockwise
  ])('orientation %i on a 3x2 image gives %ix%i %j', (o, w, h, data) => {
    const out = applyOrientation(img, o);
    expect({ width: out.width, height: out.height, data: [...out.data] }).toEqual({ width: w, height: h, data });
    expect(uprightByDefinition(img, o)).toEqual({ width: w, height: h, data: Uint8Array.from(data) });
    expect([...img.data]).toEqual([1, 2, 3, 4, 5, 6]); // input untouched
  });

  it('matches the EXIF definition on a real slice for every orientation', () => {
    const slice = grayOf(real);
    for (let o = 1; o <= 8; o++) {
      const got = applyOrientation(slice, o);
      const want = uprightByDefinition(slice, o);
      expect([got.width, got.height], `orientation ${o}`).toEqual([want.width, want.height]);
      expect(Buffer.from(got.data).equals(Buffer.from(want.data)), `orientation ${o}`).toBe(true);
    }
  });

  it('leaves the image as it is for 1 and for values outside 1..8', () => {
    for (const o of [1, 0, 9, -1, 2.5, Number.NaN]) expect(applyOrientation(img, o)).toBe(img);
  });
});

describe('readExifOrientation', () => {
  it('finds every orientation in little- and big-endian EXIF spliced into a real slice', () => {
    for (const order of ['II', 'MM'] as const) {
      for (let o = 1; o <= 8; o++) expect(readExifOrientation(withSegments(real, app1(exifTiff(o, order)))), `${order} ${o}`).toBe(o);
    }
  });

  it('reads a LONG-typed value and an EXIF that follows other APP segments', () => {
    expect(readExifOrientation(withSegments(real, app1(exifTiff(6, 'MM', 4))))).toBe(6);
    const xmp = app1(new TextEncoder().encode('<x:xmpmeta/>'), 'http://ns.adobe.com/xap/1.0/\0');
    expect(readExifOrientation(withSegments(real, xmp, app1(exifTiff(8, 'II'))))).toBe(8);
  });

  it('is 1 for files without EXIF: all real test slices', () => {
    for (const name of names) expect(readExifOrientation(new Uint8Array(readFileSync(new URL(name, IMAGES)))), name).toBe(1);
  });

  it('is 1 on every kind of malformed EXIF, never throwing', () => {
    const good = exifTiff(6, 'II');
    const patched = (fn: (t: Uint8Array, dv: DataView) => void): Uint8Array => {
      const t = good.slice();
      fn(t, new DataView(t.buffer));
      return withSegments(real, app1(t));
    };
    const cases: Uint8Array[] = [
      patched((t) => t.set([0x49, 0x4d])), // mixed byte order mark
      patched((_, dv) => dv.setUint16(2, 43, true)), // not 42
      patched((_, dv) => dv.setUint32(4, 0xfffffff0, true)), // IFD0 far outside
      patched((_, dv) => dv.setUint32(4, 3, true)), // IFD0 inside the header
      patched((_, dv) => dv.setUint16(8, 0xffff, true)), // 65535 entries in a 58-byte block
      patched((_, dv) => dv.setUint16(30, 0, true)), // orientation 0
      patched((_, dv) => dv.setUint16(30, 9, true)), // orientation 9
      patched((_, dv) => dv.setUint16(24, 2, true)), // orientation typed ASCII
      patched((_, dv) => dv.setUint16(22, 0x0113, true)), // no orientation tag at all
      withSegments(real, app1(good.subarray(0, 28))), // IFD cut inside the orientation entry
      withSegments(real, app1(new Uint8Array(0))), // empty Exif payload
      withSegments(real, app1(good, 'Exif\0X')), // wrong header padding
      real.subarray(0, 2), // SOI only
      new Uint8Array(0),
      Uint8Array.of(0xff, 0xd8, 0xff, 0xe1, 0x00), // length field cut
      Uint8Array.of(0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 0x45, 0x78), // length beyond the end
      Uint8Array.of(0xff, 0xd8, 0xff, 0xe1, 0x00, 0x01), // length below 2
    ];
    for (const [i, bytes] of cases.entries()) expect(readExifOrientation(bytes), `case ${i}`).toBe(1);
  });

  it('ignores an Exif segment after the first scan (it is not part of the header)', () => {
    const seg = app1(exifTiff(6, 'II'));
    const late = new Uint8Array(real.length + seg.length);
    late.set(real.subarray(0, real.length - 2)); // everything up to EOI
    late.set(seg, real.length - 2);
    late.set([0xff, 0xd9], real.length - 2 + seg.length);
    expect(walkJpegSegments(late, () => false).end).toBe('eoi');
    expect(readExifOrientation(late)).toBe(1);
  });

  it('survives random bytes and random damage to a real EXIF header', () => {
    let seed = 99;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const base = withSegments(real, app1(exifTiff(3, 'MM')));
    for (let i = 0; i < 2000; i++) {
      const bytes = i % 2 ? base.slice(0, 200) : Uint8Array.from({ length: rand(300) }, () => rand(256));
      if (i % 2) for (let k = 0; k < 1 + rand(4); k++) bytes[2 + rand(90)] = rand(256);
      const o = readExifOrientation(i % 4 === 1 ? bytes.subarray(0, rand(200)) : bytes);
      expect(o >= 1 && o <= 8).toBe(true);
    }
  });
});

describe('jpegDimensions and walkJpegSegments', () => {
  it('read the SOF size of every real slice and walk each to its EOI', () => {
    for (const name of names) {
      const bytes = new Uint8Array(readFileSync(new URL(name, IMAGES)));
      const d = jpeg.decode(bytes, { useTArray: true });
      expect(jpegDimensions(bytes), name).toMatchObject({ width: d.width, height: d.height, precision: 8, components: 1, sofMarker: 0xc0 });
      expect(walkJpegSegments(bytes, () => false).end, name).toBe('eoi');
    }
  });

  it('report a file cut anywhere as truncated, and a header cut before the SOF as image_truncated', () => {
    const sof = real.findIndex((b, i) => b === 0xff && real[i + 1] === 0xc0);
    for (let cut = 3; cut < real.length - 1; cut += 997) {
      expect(walkJpegSegments(real.subarray(0, cut), () => false).end, `cut at ${cut}`).toBe('truncated');
    }
    for (const cut of [2, 3, 4, 5, sof, sof + 5]) {
      const e = decodeError(() => jpegDimensions(real.subarray(0, cut)));
      expect({ status: e.status, code: e.code }, `cut at ${cut}: ${e.message}`).toEqual({ status: 422, code: 'image_truncated' });
    }
  });

  it('refuse garbage and non-JPEG bytes as image_corrupt, and lossless/arithmetic JPEG as 415', () => {
    for (const bytes of [new Uint8Array(0), new Uint8Array(64), Uint8Array.of(0x89, 0x50, 0x4e, 0x47), Uint8Array.of(0xff, 0xd8, 0x12, 0x34)]) {
      const e = decodeError(() => jpegDimensions(bytes));
      expect({ status: e.status, code: e.code }).toEqual({ status: 422, code: 'image_corrupt' });
    }
    const sof = real.findIndex((b, i) => b === 0xff && real[i + 1] === 0xc0);
    for (const marker of [0xc3, 0xc9, 0xcb]) {
      const other = real.slice();
      other[sof + 1] = marker;
      const e = decodeError(() => jpegDimensions(other));
      expect({ status: e.status, code: e.code }).toEqual({ status: 415, code: 'unsupported_image_kind' });
    }
  });
});
