/**
 * decodeDicom's limits and dimensions: pixel-count and inflate caps answered with 413 before the
 * work is done, and Rows/Columns/NumberOfFrames or Pixel Data lengths that cannot make a frame.
 */
import { describe, expect, it } from 'vitest';
import { concat, DEFLATED, deflateRaw, image, imageDataset, part10 } from './dicom-builder.test-support.js';
import { decodeError, decoded, read } from './dicom-outcome.test-support.js';

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
    expect(err).toMatchObject({ status: 413, code: 'image_inflates_too_large' });
    // 1000 pixels x 6 bytes + 1 MiB of header allowance.
    expect(err.message).toMatch(/inflates past 1054576 bytes, the most an image within the limit of 1000 pixels needs/);
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
