/**
 * decodeDicom against every file of ../shared/data/dicom (pydicom's test files, see that folder's
 * README) with the outcome decided for it, against reference pixel values from pydicom, and
 * against damage made here: truncations, flipped bytes, headers that lie, files built by hand.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DecodeError, type DecodedImage } from '../decoded-image.js';
import * as dicomModule from './index.js';
import { concatBytes } from '../../../../shared/concat-bytes.js';
import { decodeDicom } from './index.js';

// edge/src/decode/dicom/ -> five levels up is the folder holding the repository and shared/.
const DATA = new URL('../../../../../shared/data/dicom/', import.meta.url);
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, DATA)));

/** Resolves to the image, or to the DecodeError; any other error fails the test as it is. */
async function outcome(bytes: Uint8Array, opts?: { maxPixels?: number }): Promise<DecodedImage | DecodeError> {
  try {
    return await decodeDicom(bytes, opts);
  } catch (err) {
    if (err instanceof DecodeError) return err;
    throw err;
  }
}

async function decodeError(bytes: Uint8Array, opts?: { maxPixels?: number }): Promise<DecodeError> {
  const result = await outcome(bytes, opts);
  if (!(result instanceof DecodeError)) throw new Error(`expected a DecodeError, got a ${result.width}x${result.height} image`);
  return result;
}

async function decoded(bytes: Uint8Array, opts?: { maxPixels?: number }): Promise<DecodedImage> {
  const result = await outcome(bytes, opts);
  if (result instanceof DecodeError) throw new Error(`expected an image, got ${result.status} ${result.code}: ${result.message}`);
  return result;
}

type Outcome =
  | { kind: DecodedImage['kind']; width: number; height: number }
  | { status: 413 | 415 | 422; code: DecodeError['code']; message: RegExp };

/** What each file must give. The test below fails when a file is added without an entry here. */
const FILES: Record<string, Outcome> = {
  'CT_small.dcm': { kind: 'hounsfield', width: 128, height: 128 },
  'MR_small.dcm': { kind: 'hounsfield', width: 64, height: 64 },
  'MR_small_implicit.dcm': { kind: 'hounsfield', width: 64, height: 64 },
  'MR_small_bigendian.dcm': { kind: 'hounsfield', width: 64, height: 64 },
  'MR_small_expb.dcm': { kind: 'hounsfield', width: 64, height: 64 },
  // Pixel Data holds 8320 bytes, 128 past the one 64x64x16-bit frame: only the frame is read.
  'MR_small_padded.dcm': { kind: 'hounsfield', width: 64, height: 64 },
  // Deflated Explicit VR Little Endian, 8-bit MONOCHROME2 secondary capture.
  'image_dfl.dcm': { kind: 'hounsfield', width: 512, height: 512 },
  // 3x3 RGB, planar configuration 0, 27 bytes of pixels padded to 28 in an OW element.
  'SC_rgb_small_odd.dcm': { kind: 'gray', width: 3, height: 3 },
  // 80x60 RGB ultrasound, explicit VR big endian, planar configuration 1, OB (so no byte swapping).
  'ExplVR_BigEnd.dcm': { kind: 'gray', width: 80, height: 60 },
  'MR_small_RLE.dcm': { status: 415, code: 'unsupported_transfer_syntax', message: /RLE Lossless \(1\.2\.840\.10008\.1\.2\.5\)/ },
  'MR_small_jpeg_ls_lossless.dcm': {
    status: 415,
    code: 'unsupported_transfer_syntax',
    message: /JPEG-LS Lossless Image Compression \(1\.2\.840\.10008\.1\.2\.4\.80\)/,
  },
  'MR_small_jp2klossless.dcm': {
    status: 415,
    code: 'unsupported_transfer_syntax',
    message: /JPEG 2000 Image Compression \(Lossless Only\) \(1\.2\.840\.10008\.1\.2\.4\.90\)/,
  },
  'JPEG-lossy.dcm': { status: 415, code: 'unsupported_transfer_syntax', message: /JPEG Extended \(Process 2 & 4\) \(1\.2\.840\.10008\.1\.2\.4\.51\)/ },
  'JPEG2000.dcm': { status: 415, code: 'unsupported_transfer_syntax', message: /JPEG 2000 Image Compression \(1\.2\.840\.10008\.1\.2\.4\.91\)/ },
  // DICOM SEG (1-bit masks): the API segments CT slices, it does not take masks as input.
  'liver_1frame.dcm': { status: 422, code: 'unsupported_image_kind', message: /Segmentation Storage 1\.2\.840\.10008\.5\.1\.4\.1\.1\.66\.4/ },
  'liver_expb_1frame.dcm': { status: 422, code: 'unsupported_image_kind', message: /Modality SEG/ },
  // Pixel Data declares 8192 bytes; the file ends 62 bytes short of that.
  'MR_truncated.dcm': { status: 422, code: 'image_truncated', message: /PixelData \(7FE0,0010\) value at offset 1500 needs 8192 bytes, but the file ends at 9630/ },
  // An RT plan: no image in it.
  'rtplan.dcm': { status: 422, code: 'no_pixel_data', message: /no PixelData \(7FE0,0010\)/ },
  // The same plan cut off: the sequence (300A,00B0) declares 976 bytes, 711 remain. Reporting the
  // truncation is more accurate than "no pixel data" (the missing part might have held some).
  'rtplan_truncated.dcm': { status: 422, code: 'image_truncated', message: /\(300A,00B0\) value at offset 1418 needs 976 bytes/ },
  // An RT dose grid: NumberOfFrames (an IS) is "1A". A malformed attribute that sizes the pixel
  // data is damage, so 422 image_corrupt naming it (pydicom reads the header but cannot make
  // pixels of it either). Had it parsed, BitsAllocated 32 would be a 422 unsupported_image_kind.
  'badVR.dcm': { status: 422, code: 'image_corrupt', message: /NumberOfFrames \(0028,0008\) is "1A", not an integer string/ },
  // A meta group without Transfer Syntax UID: the dataset is sniffed as implicit VR little endian
  // and walked through its nested undefined-length private sequences to a 2-byte Pixel Data, but
  // it has no Rows/Columns: 422 image_dimensions_invalid.
  'meta_missing_tsyntax.dcm': { status: 422, code: 'image_dimensions_invalid', message: /Rows \(0028,0010\) is absent/ },
  // No preamble or meta, and not even a dataset start: the file is CT_small.dcm's bytes from
  // offset 335, one byte before its dataset (checked byte for byte), so it begins with the
  // meta group's last padding byte (0x20) and every element reads one byte off (pydicom 2.3.1
  // reads it only with force=True, as one bogus element (0820,0500)). With no 'DICM' and no
  // element at offset 0, it is not recognisable as DICOM: 415. A correctly cut preamble-less
  // dataset does decode (tests below).
  'no_meta.dcm': { status: 415, code: 'unsupported_media_type', message: /no 'DICM' marker/ },
};

/**
 * Reference values from pydicom 2.3.1 with numpy 1.24.2 (Debian bookworm's python3-pydicom):
 *   ds = pydicom.dcmread(f); v = apply_modality_lut(ds.pixel_array, ds)   # pydicom.pixel_data_handlers.util
 *   sum = v.sum(); weighted = (v.flatten() * (np.arange(v.size) % 1000 + 1)).sum(); at = v[row, col]
 * For colour files, v = (299*R + 587*G + 114*B + 500) // 1000 over pydicom's pixel_array (our
 * luminance, pydicom's RGB samples).
 */
const PYDICOM: Record<string, { sum: number; weighted: number; min: number; max: number; at: [row: number, col: number, value: number][] }> = {
  'CT_small.dcm': {
    sum: -1950906,
    weighted: -935967325,
    min: -896,
    max: 1167,
    at: [[0, 0, -849], [0, 127, -808], [64, 64, 904], [100, 20, 19], [127, 127, -115]],
  },
  'MR_small.dcm': { sum: 2125338, weighted: 1049784469, min: 127, max: 2145, at: [[0, 0, 905], [0, 63, 328], [36, 20, 195], [63, 63, 862]] },
  'image_dfl.dcm': {
    sum: 33322688,
    weighted: 16665175080,
    min: 0,
    max: 255,
    at: [[0, 0, 213], [0, 127, 213], [64, 64, 255], [100, 20, 255], [127, 127, 213]],
  },
  'ExplVR_BigEnd.dcm': { sum: 1067997, weighted: 517264507, min: 123, max: 255, at: [[0, 0, 171], [30, 40, 226], [59, 79, 212], [10, 70, 226]] },
};

function stats(image: DecodedImage) {
  let sum = 0;
  let weighted = 0;
  let min = Infinity;
  let max = -Infinity;
  image.data.forEach((v, i) => {
    sum += v;
    weighted += v * ((i % 1000) + 1);
    min = Math.min(min, v);
    max = Math.max(max, v);
  });
  return { sum, weighted, min, max, at: (row: number, col: number) => image.data[row * image.width + col] };
}

describe('decodeDicom on pydicom test files', () => {
  it('has a decided outcome for every file in the data folder', () => {
    const names = readdirSync(DATA).filter((f) => f.endsWith('.dcm')).sort();
    expect(names).toEqual(Object.keys(FILES).sort());
  });

  for (const [name, want] of Object.entries(FILES)) {
    it(`${name}: ${'code' in want ? `${want.status} ${want.code}` : `decodes ${want.width}x${want.height} ${want.kind}`}`, async () => {
      const result = await outcome(read(name));
      if ('code' in want) {
        expect(result).toBeInstanceOf(DecodeError);
        expect(result).toMatchObject({ name: 'DecodeError', status: want.status, code: want.code });
        expect((result as DecodeError).message).toMatch(want.message);
      } else {
        expect(result).not.toBeInstanceOf(DecodeError);
        expect(result).toMatchObject({ kind: want.kind, width: want.width, height: want.height });
        expect((result as DecodedImage).data.length).toBe(want.width * want.height);
      }
    });
  }

  for (const [name, ref] of Object.entries(PYDICOM)) {
    it(`${name} matches pydicom's pixel values`, async () => {
      const s = stats(await decoded(read(name)));
      expect({ sum: s.sum, weighted: s.weighted, min: s.min, max: s.max }).toEqual({ sum: ref.sum, weighted: ref.weighted, min: ref.min, max: ref.max });
      for (const [row, col, value] of ref.at) expect(s.at(row, col), `(${row},${col})`).toBe(value);
    });
  }

  it('CT_small.dcm is in Hounsfield units: stored + RescaleIntercept -1024 (slope 1), no file window', async () => {
    const image = await decoded(read('CT_small.dcm'));
    expect(image).toMatchObject({ kind: 'hounsfield', invert: false });
    expect(image.kind === 'hounsfield' && image.fileWindow).toBeFalsy();
    expect(image.data).toBeInstanceOf(Float32Array);
  });

  it('the five MR_small encodings decode to identical pixels, window and flags', async () => {
    const reference = await decoded(read('MR_small.dcm'));
    expect(reference).toMatchObject({ kind: 'hounsfield', invert: false, fileWindow: { center: 600, width: 1600 } });
    for (const name of ['MR_small_implicit.dcm', 'MR_small_bigendian.dcm', 'MR_small_expb.dcm', 'MR_small_padded.dcm']) {
      const image = await decoded(read(name));
      expect(image, name).toEqual(reference);
    }
  });

  it('SC_rgb_small_odd.dcm turns its 3x3 RGB (from pydicom) into BT.601 luminance', async () => {
    // pydicom: rows [166,141,52] x3, [63,87,176] x3, [158,158,158] x3.
    const image = await decoded(read('SC_rgb_small_odd.dcm'));
    expect(image).toMatchObject({ kind: 'gray', bitDepth: 8 });
    expect(image.data).toBeInstanceOf(Uint8Array);
    expect([...image.data]).toEqual([138, 138, 138, 90, 90, 90, 158, 158, 158]);
  });
});

// ---------------------------------------------------------------------------------------------
// Files built by hand: a minimal Part 10 writer (explicit VR unless told otherwise).

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const DEFLATED = '1.2.840.10008.1.2.1.99';
const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN']);

const concat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

function uint(value: number, bytes: 2 | 4, le = true): Uint8Array {
  const out = new Uint8Array(bytes);
  const view = new DataView(out.buffer);
  if (bytes === 2) view.setUint16(0, value, le);
  else view.setUint32(0, value, le);
  return out;
}

/** One element; strings are padded to even length (NUL for UI, space otherwise). */
function el(tag: number, vr: string, value: Uint8Array | string, le = true): Uint8Array {
  let bytes = typeof value === 'string' ? ascii(value) : value;
  if (typeof value === 'string' && bytes.length % 2) bytes = concat(bytes, Uint8Array.of(vr === 'UI' ? 0 : 0x20));
  const tagBytes = concat(uint(tag >>> 16, 2, le), uint(tag & 0xffff, 2, le));
  const length = LONG_VRS.has(vr) ? concat(new Uint8Array(2), uint(bytes.length, 4, le)) : uint(bytes.length, 2, le);
  return concat(tagBytes, ascii(vr), length, bytes);
}

/** An element of undefined length (SQ, UN, encapsulated OB) holding `content` and its delimiter. */
function undefinedLength(tag: number, vr: string, content: Uint8Array): Uint8Array {
  return concat(uint(tag >>> 16, 2), uint(tag & 0xffff, 2), ascii(vr), new Uint8Array(2), uint(0xffffffff, 4), content, delimiter(0xe0dd));
}
function item(content: Uint8Array, undefinedLen = false): Uint8Array {
  return undefinedLen
    ? concat(uint(0xfffe, 2), uint(0xe000, 2), uint(0xffffffff, 4), content, delimiter(0xe00d))
    : concat(uint(0xfffe, 2), uint(0xe000, 2), uint(content.length, 4), content);
}
const delimiter = (element: number) => concat(uint(0xfffe, 2), uint(element, 2), uint(0, 4));
/** Implicit VR little endian element (inside UN sequences). */
const implicitEl = (tag: number, value: Uint8Array) => concat(uint(tag >>> 16, 2), uint(tag & 0xffff, 2), uint(value.length, 4), value);

function part10(dataset: Uint8Array[], transferSyntax = EXPLICIT_LE): Uint8Array {
  const meta = concat(el(0x00020001, 'OB', Uint8Array.of(0, 1)), el(0x00020010, 'UI', transferSyntax));
  return concat(new Uint8Array(128), ascii('DICM'), el(0x00020000, 'UL', uint(meta.length, 4)), meta, ...dataset);
}

interface Synthetic {
  rows?: number | null;
  columns?: number | null;
  samples?: number;
  photometric?: string;
  planar?: number;
  frames?: string;
  bitsAllocated?: number;
  bitsStored?: number;
  highBit?: number;
  signed?: boolean;
  slope?: string;
  intercept?: string;
  center?: string;
  width?: string;
  sopClass?: string;
  modality?: string;
  /** Elements placed before the image attributes (sequences, decoys). */
  before?: Uint8Array[];
  pixelVR?: 'OB' | 'OW';
  pixels: Uint8Array;
  bigEndian?: boolean;
}

/** The dataset elements of an image, in tag order. */
function imageDataset(s: Synthetic): Uint8Array[] {
  const le = !s.bigEndian;
  const us = (tag: number, n: number) => el(tag, 'US', uint(n, 2, le), le);
  const out: Uint8Array[] = [];
  if (s.sopClass) out.push(el(0x00080016, 'UI', s.sopClass, le));
  if (s.modality) out.push(el(0x00080060, 'CS', s.modality, le));
  out.push(...(s.before ?? []));
  out.push(us(0x00280002, s.samples ?? 1), el(0x00280004, 'CS', s.photometric ?? 'MONOCHROME2', le));
  if (s.planar !== undefined) out.push(us(0x00280006, s.planar));
  if (s.frames !== undefined) out.push(el(0x00280008, 'IS', s.frames, le));
  if (s.rows !== null) out.push(us(0x00280010, s.rows ?? 2));
  if (s.columns !== null) out.push(us(0x00280011, s.columns ?? 2));
  const bits = s.bitsAllocated ?? 16;
  out.push(us(0x00280100, bits), us(0x00280101, s.bitsStored ?? bits), us(0x00280102, s.highBit ?? (s.bitsStored ?? bits) - 1));
  out.push(us(0x00280103, s.signed ? 1 : 0));
  if (s.center !== undefined) out.push(el(0x00281050, 'DS', s.center, le));
  if (s.width !== undefined) out.push(el(0x00281051, 'DS', s.width, le));
  if (s.intercept !== undefined) out.push(el(0x00281052, 'DS', s.intercept, le));
  if (s.slope !== undefined) out.push(el(0x00281053, 'DS', s.slope, le));
  out.push(el(0x7fe00010, s.pixelVR ?? (bits === 8 ? 'OB' : 'OW'), s.pixels, le));
  return out;
}

const image = (s: Synthetic): Uint8Array => part10(imageDataset(s), s.bigEndian ? EXPLICIT_BE : EXPLICIT_LE);
const words = (values: number[], le = true) => concat(...values.map((v) => uint(v, 2, le)));

async function deflateRaw(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe('decodeDicom sample handling', () => {
  it('masks 16-bit words to BitsStored and sign-extends (12 of 16 bits, garbage above), then rescales', async () => {
    const bytes = image({ rows: 1, columns: 4, bitsStored: 12, signed: true, slope: '2', intercept: '-10', pixels: words([0x0fff, 0xf800, 0x07ff, 0xa001]) });
    const result = await decoded(bytes);
    // stored -1, -2048, 2047, 1 -> x2 - 10
    expect([...result.data]).toEqual([-12, -4106, 4084, -8]);
  });

  it('reads the BitsStored bits ending at HighBit when they are not the low ones', async () => {
    const bytes = image({ rows: 1, columns: 2, bitsStored: 12, highBit: 15, pixels: words([0xfff0, 0x001f]) });
    expect([...(await decoded(bytes)).data]).toEqual([4095, 1]);
  });

  it('reads signed 8-bit MONOCHROME1 and flags it for inversion', async () => {
    const bytes = image({ rows: 2, columns: 2, bitsAllocated: 8, signed: true, photometric: 'MONOCHROME1', pixels: Uint8Array.of(0x80, 0xff, 0x7f, 0) });
    const result = await decoded(bytes);
    expect(result).toMatchObject({ kind: 'hounsfield', invert: true });
    expect([...result.data]).toEqual([-128, -1, 127, 0]);
  });

  it('reads big-endian 16-bit words, and 8-bit samples in a big-endian OW swapped in pairs (OB not)', async () => {
    expect([...(await decoded(image({ rows: 1, columns: 2, bigEndian: true, pixels: words([0x0102, 0x0304], false) }))).data]).toEqual([0x0102, 0x0304]);
    const pixels = Uint8Array.of(2, 1, 4, 3);
    expect([...(await decoded(image({ rows: 2, columns: 2, bitsAllocated: 8, bigEndian: true, pixelVR: 'OW', pixels }))).data]).toEqual([1, 2, 3, 4]);
    expect([...(await decoded(image({ rows: 2, columns: 2, bitsAllocated: 8, bigEndian: true, pixelVR: 'OB', pixels }))).data]).toEqual([2, 1, 4, 3]);
  });

  it('takes the first of multi-valued windows, and drops a window that is malformed or not positive', async () => {
    const base = { rows: 1, columns: 1, pixels: words([5]) };
    expect(await decoded(image({ ...base, center: '40\\-600', width: '400\\1500' }))).toMatchObject({ fileWindow: { center: 40, width: 400 } });
    for (const width of ['0', 'wide']) {
      const result = await decoded(image({ ...base, center: '40', width }));
      expect(result.kind === 'hounsfield' && result.fileWindow, width).toBeUndefined();
    }
  });

  it('refuses a RescaleSlope that is not a number, naming it (it changes every value)', async () => {
    const err = await decodeError(image({ rows: 1, columns: 1, slope: 'x1', pixels: words([5]) }));
    expect(err).toMatchObject({ status: 422, code: 'image_corrupt' });
    expect(err.message).toMatch(/RescaleSlope \(0028,1053\)/);
  });

  it('turns RGB to luminance the same way for planar configuration 0 and 1, and YBR_FULL to its Y', async () => {
    const rgb = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]];
    const interleaved = Uint8Array.from(rgb.flat());
    const planar = Uint8Array.from([0, 1, 2].flatMap((c) => rgb.map((p) => p[c]!)));
    const want = [76, 150, 29, 18]; // round(0.299 R + 0.587 G + 0.114 B)
    const common = { rows: 2, columns: 2, samples: 3, photometric: 'RGB', bitsAllocated: 8 };
    expect([...(await decoded(image({ ...common, planar: 0, pixels: interleaved }))).data]).toEqual(want);
    expect([...(await decoded(image({ ...common, planar: 1, pixels: planar }))).data]).toEqual(want);
    const ybr = await decoded(image({ ...common, photometric: 'YBR_FULL', planar: 0, pixels: interleaved }));
    expect([...ybr.data]).toEqual([255, 0, 0, 10]);
  });

  it('returns 16-bit RGB as 16-bit gray', async () => {
    const result = await decoded(image({ rows: 1, columns: 1, samples: 3, photometric: 'RGB', pixels: words([1000, 2000, 3000]) }));
    expect(result).toMatchObject({ kind: 'gray', bitDepth: 16 });
    expect(result.data).toBeInstanceOf(Uint16Array);
    expect([...result.data]).toEqual([1815]);
  });

  it('refuses sample layouts that are not a slice: 32-bit, PALETTE COLOR, 1-bit masks', async () => {
    const cases: [Synthetic, RegExp][] = [
      [{ bitsAllocated: 32, pixels: new Uint8Array(16) }, /BitsAllocated \(0028,0100\) is 32/],
      [{ bitsAllocated: 8, photometric: 'PALETTE COLOR', pixels: new Uint8Array(4) }, /PALETTE COLOR is not decoded/],
      [{ bitsAllocated: 1, pixels: new Uint8Array(2) }, /bit-packed binary mask/],
    ];
    for (const [s, message] of cases) {
      const err = await decodeError(image(s));
      expect(err, String(message)).toMatchObject({ status: 422, code: 'unsupported_image_kind' });
      expect(err.message).toMatch(message);
    }
  });
});

describe('decodeDicom limits and dimensions', () => {
  it('refuses a header claiming 60000x60000 with 413 before looking at its 4 bytes of pixels', async () => {
    const err = await decodeError(image({ rows: 60000, columns: 60000, pixels: new Uint8Array(4) }));
    expect(err).toMatchObject({ status: 413, code: 'image_too_large' });
    expect(err.message).toMatch(/60000x60000 pixels x 1 frame\(s\) = 3600000000 pixels, more than the limit of 40000000/);
  });

  it('counts every frame against maxPixels, and honours the option', async () => {
    const mr = read('MR_small.dcm');
    expect(await decodeError(mr, { maxPixels: 4095 })).toMatchObject({ status: 413, code: 'image_too_large' });
    expect(await decoded(mr, { maxPixels: 4096 })).toMatchObject({ width: 64, height: 64 });
    const frames = image({ rows: 64, columns: 64, frames: '11', pixels: new Uint8Array(8192) });
    expect(await decodeError(frames, { maxPixels: 45000 })).toMatchObject({ status: 413 });
    // Only the first frame is decoded (the pixel data holds one).
    expect(await decoded(frames)).toMatchObject({ width: 64, height: 64 });
  });

  it('answers 422 image_dimensions_invalid for zero or absent Rows/Columns and zero frames', async () => {
    for (const [s, message] of [
      [{ rows: 0 }, /Rows \(0028,0010\) is 0/],
      [{ columns: null }, /Columns \(0028,0011\) is absent/],
      [{ frames: '0' }, /NumberOfFrames \(0028,0008\) is 0/],
    ] as const) {
      const err = await decodeError(image({ ...s, pixels: new Uint8Array(8) }));
      expect(err).toMatchObject({ status: 422, code: 'image_dimensions_invalid' });
      expect(err.message).toMatch(message);
    }
  });

  it('answers 422 image_truncated when Pixel Data is shorter than one frame', async () => {
    const err = await decodeError(image({ rows: 4, columns: 4, pixels: new Uint8Array(30) }));
    expect(err).toMatchObject({ status: 422, code: 'image_truncated' });
    expect(err.message).toMatch(/holds 30 bytes; one 4x4 frame of 1 x 16-bit samples needs 32/);
  });

  it('stops inflating a deflated dataset at its limit (413), and inflates the same file without one', async () => {
    const dataset = concat(...imageDataset({ rows: 1024, columns: 2048, bitsAllocated: 8, pixels: new Uint8Array(2048 * 1024) }));
    const dfl = part10([await deflateRaw(dataset)], DEFLATED);
    expect(dfl.length).toBeLessThan(8192);
    const err = await decodeError(dfl, { maxPixels: 1000 });
    expect(err).toMatchObject({ status: 413, code: 'image_too_large' });
    expect(err.message).toMatch(/inflates past/);
    expect(await decoded(dfl)).toMatchObject({ width: 2048, height: 1024 });
  });

  it('reports a cut deflate stream as truncated and a garbled one as corrupt', async () => {
    const dfl = read('image_dfl.dcm');
    expect(await decodeError(dfl.subarray(0, 2000))).toMatchObject({ status: 422, code: 'image_truncated' });
    const garbled = dfl.slice();
    garbled.fill(0xff, 334, 400); // the deflate stream starts after the 334-byte preamble and meta
    expect(await decodeError(garbled)).toMatchObject({ status: 422, code: 'image_corrupt' });
  });
});

describe('decodeDicom structure', () => {
  it('skips undefined-length sequences, items and UN-wrapped sequences, ignoring the attributes inside them', async () => {
    // An icon-like nested image (its own Rows and Pixel Data) must not shadow the top-level one.
    const nested = concat(el(0x00280010, 'US', uint(9999, 2)), el(0x7fe00010, 'OW', new Uint8Array(6)));
    const before = [
      undefinedLength(0x00081140, 'SQ', concat(item(nested, true), item(nested), item(new Uint8Array(0), true))),
      undefinedLength(0x00091010, 'UN', item(implicitEl(0x00280010, uint(7777, 2)), true)),
      el(0x00091011, 'SQ', item(nested)), // defined-length sequence
    ];
    const result = await decoded(image({ rows: 1, columns: 2, before, pixels: words([3, 4]) }));
    expect(result).toMatchObject({ width: 2, height: 1 });
    expect([...result.data]).toEqual([3, 4]);
  });

  it('reads implicit VR little endian datasets', async () => {
    const dataset = [
      implicitEl(0x00280010, uint(1, 2)),
      implicitEl(0x00280011, uint(2, 2)),
      implicitEl(0x00280100, uint(16, 2)),
      implicitEl(0x00281052, ascii('-1024 ')),
      implicitEl(0x7fe00010, words([1024, 1000])),
    ];
    expect([...(await decoded(part10(dataset, IMPLICIT_LE))).data]).toEqual([0, -24]);
  });

  it('decodes datasets without preamble and meta (explicit and implicit VR) and meta without preamble', async () => {
    const ct = read('CT_small.dcm');
    const reference = await decoded(ct);
    expect(await decoded(ct.subarray(336))).toEqual(reference); // CT_small's dataset starts at 336
    expect(await decoded(ct.subarray(128))).toEqual(reference); // 'DICM' at offset 0
    const implicit = read('MR_small_implicit.dcm');
    const metaEnd = 144 + new DataView(implicit.buffer, implicit.byteOffset).getUint32(140, true);
    expect(await decoded(implicit.subarray(metaEnd))).toEqual(await decoded(read('MR_small.dcm')));
  });

  it('answers 422 image_corrupt for encapsulated pixel data under an uncompressed transfer syntax', async () => {
    const dataset = imageDataset({ rows: 1, columns: 1, pixels: new Uint8Array(0) });
    dataset[dataset.length - 1] = undefinedLength(0x7fe00010, 'OB', concat(item(new Uint8Array(0)), item(new Uint8Array(8))));
    const err = await decodeError(part10(dataset));
    expect(err).toMatchObject({ status: 422, code: 'image_corrupt' });
    expect(err.message).toMatch(/undefined length/);
  });

  it('answers 415 for an unknown transfer syntax, naming its UID', async () => {
    const err = await decodeError(part10(imageDataset({ pixels: new Uint8Array(8) }), '1.2.3.4.5'));
    expect(err).toMatchObject({ status: 415, code: 'unsupported_transfer_syntax' });
    expect(err.message).toMatch(/"1\.2\.3\.4\.5"/);
  });

  it('answers 415 unsupported_media_type for an empty upload and for other formats', async () => {
    const jpeg = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, ...new Array(300).fill(0));
    const png = concat(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), new Uint8Array(300));
    for (const [what, bytes] of [['empty', new Uint8Array(0)], ['jpeg', jpeg], ['png', png], ['text', ascii('hello, world')], ['zeros', new Uint8Array(200)]] as const) {
      expect(await decodeError(bytes), what).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    }
  });

  it('answers a 4xx DecodeError for a DICM marker followed by garbage', async () => {
    const garbage = concat(new Uint8Array(128), ascii('DICM'), ascii('\u0002\u0000\u0010\u0000XX\u0004\u0000abcd'), new Uint8Array(50).fill(0xee));
    expect((await decodeError(garbage)).status).toBe(422);
  });

  it('turns an unexpected error inside the decoder into 422 image_corrupt, keeping the cause', async () => {
    const bytes = read('CT_small.dcm');
    Object.defineProperty(bytes, 'subarray', { value: () => { throw new TypeError('boom'); } });
    const err = await decodeError(bytes);
    expect(err).toMatchObject({ status: 422, code: 'image_corrupt' });
    expect(err.cause).toBeInstanceOf(TypeError);
  });

  it('rejects a maxPixels that is not a positive integer (a caller bug, not the file)', async () => {
    await expect(decodeDicom(read('MR_small.dcm'), { maxPixels: 0 })).rejects.toThrow(RangeError);
  });

  it('exports decodeDicom only', () => {
    expect(Object.keys(dicomModule)).toEqual(['decodeDicom']);
  });
});

describe('decodeDicom on damaged copies of every file', () => {
  /** mulberry32: a small seeded generator, so a failure names a case that can be replayed. */
  function random(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const seedOf = (name: string) => [...name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, 2166136261);

  async function expectDecodeErrorOrImage(bytes: Uint8Array, what: string): Promise<void> {
    let result: DecodedImage | DecodeError;
    try {
      result = await outcome(bytes);
    } catch (err) {
      throw new Error(`${what}: threw ${String(err)} instead of a DecodeError`, { cause: err });
    }
    if (result instanceof DecodeError) {
      expect([413, 415, 422], `${what}: ${result.message}`).toContain(result.status);
    } else {
      expect(result.data.length, what).toBe(result.width * result.height);
    }
  }

  for (const name of Object.keys(FILES)) {
    it(`${name}: cut at 10 random offsets, and 10 copies with random bytes changed`, async () => {
      const original = read(name);
      const next = random(seedOf(name));
      for (let i = 0; i < 10; i++) {
        const at = Math.floor(next() * original.length);
        await expectDecodeErrorOrImage(original.subarray(0, at), `${name} cut at ${at}`);
      }
      for (let i = 0; i < 10; i++) {
        const damaged = original.slice();
        const changes = 1 + Math.floor(next() * 16);
        // Half the changes land in the first 2 KiB, where the header (and any damage that matters) is.
        for (let c = 0; c < changes; c++) {
          const span = c % 2 === 0 ? Math.min(2048, damaged.length) : damaged.length;
          damaged[Math.floor(next() * span)] = Math.floor(next() * 256);
        }
        await expectDecodeErrorOrImage(damaged, `${name} copy ${i} (${changes} bytes changed, seed ${seedOf(name)})`);
      }
    });
  }
});
