/**
 * decodeDicom's handling of samples, on files built by hand: BitsStored masks and sign
 * extension, HighBit, MONOCHROME1, byte order, windows, rescale, colour to luminance, and the
 * sample layouts that are not a CT slice.
 */
import { describe, expect, it } from 'vitest';
import { image, words, type Synthetic } from './dicom-builder.test-support.js';
import { decodeError, decoded } from './dicom-outcome.test-support.js';

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
