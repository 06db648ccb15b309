/**
 * decodeDicom against every file of ../shared/data/dicom (pydicom's test files, see that folder's
 * README) with the outcome decided for it, against reference pixel values from pydicom (and the
 * compressed copies of MR_small.dcm against it, every pixel), and
 * against damaged copies of each: truncations and flipped bytes must give an image or a 4xx
 * DecodeError, nothing else. Files built by hand are in decode-dicom-{samples,limits,structure}.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DecodeError, type DecodedImage } from '../decoded-image.js';
import { DATA, decoded, outcome, read } from './dicom-outcome.test-support.js';
import { mulberry32 } from '../../../../shared/seeded-random.js';

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
  // Compressed: the same 64x64 MR image as MR_small.dcm (pixel-identical, below) in RLE, JPEG-LS
  // and JPEG 2000 lossless; and two 256x1024 NM images, 12-bit JPEG Extended and lossy JPEG 2000.
  'MR_small_RLE.dcm': { kind: 'hounsfield', width: 64, height: 64 },
  'MR_small_jpeg_ls_lossless.dcm': { kind: 'hounsfield', width: 64, height: 64 },
  'MR_small_jp2klossless.dcm': { kind: 'hounsfield', width: 64, height: 64 },
  'JPEG-lossy.dcm': { kind: 'hounsfield', width: 256, height: 1024 },
  'JPEG2000.dcm': { kind: 'hounsfield', width: 256, height: 1024 },
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

  it('MR_small in RLE, JPEG-LS lossless and JPEG 2000 lossless decodes to the uncompressed file, every pixel', async () => {
    const reference = await decoded(read('MR_small.dcm'));
    for (const name of ['MR_small_RLE.dcm', 'MR_small_jpeg_ls_lossless.dcm', 'MR_small_jp2klossless.dcm']) {
      const image = await decoded(read(name));
      expect(image.kind, name).toBe('hounsfield');
      expect(image.data, name).toEqual(reference.data);
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

describe('decodeDicom on damaged copies of every file', () => {
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
      const next = mulberry32(seedOf(name));
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
