/**
 * decodeDicom on a deflated-DICOM decompression bomb built from a real file (image_dfl.dcm, its
 * dataset re-deflated with trailing padding): the inflate stops at the limit derived from
 * maxPixels (6 bytes a pixel plus 1 MiB of header, at most 64 MiB) with 413
 * image_inflates_too_large naming it, quickly and without holding more than that limit.
 * Before the fix the limit was checked by a DecompressionStream reader, and workerd inflates a
 * written chunk whole first: a 1 MB file grew workerd by 1 GiB (tests/edge/decompression-bomb).
 */
import { describe, expect, it } from 'vitest';
import { MiB } from '../deflate-bomb.test-support.js';
import { deflatedDicomBomb } from './deflated-bomb.test-support.js';
import { decodeError, decoded, read } from './dicom-outcome.test-support.js';

const peakRss = (): number => process.resourceUsage().maxRSS * 1024;

describe('decodeDicom stops a deflated dataset at the limit its maxPixels gives', () => {
  it('image_dfl.dcm re-deflated with 4 KiB of trailing padding decodes to the same image', async () => {
    const original = await decoded(read('image_dfl.dcm'));
    const padded = await decoded(deflatedDicomBomb(4096));
    expect(padded).toEqual(original);
  });

  it('with 256 MiB of padding: 413 image_inflates_too_large at 64 MiB, within 2 s and without ever holding the 256 MiB', async () => {
    const bomb = deflatedDicomBomb(256 * MiB);
    expect(bomb.length).toBeLessThan(300_000);
    const before = peakRss();
    const t0 = performance.now();
    const err = await decodeError(bomb);
    expect(performance.now() - t0).toBeLessThan(2000);
    // Counted through a reused 64 KiB buffer before anything is kept: the bomb is refused while counting.
    expect(peakRss() - before).toBeLessThan(128 * MiB);
    expect(err).toMatchObject({ status: 413, code: 'image_inflates_too_large' });
    expect(err.message).toBe(
      "the deflated dataset inflates past 67108864 bytes, the limit for one deflated dataset (67108864 bytes, half the isolate's memory)",
    );
  });

  it('a smaller maxPixels is a smaller limit: 1 M pixels stop at 7048576 bytes', async () => {
    const before = peakRss();
    const err = await decodeError(deflatedDicomBomb(256 * MiB), { maxPixels: 1_000_000 });
    expect(peakRss() - before).toBeLessThan(32 * MiB);
    expect(err).toMatchObject({ status: 413, code: 'image_inflates_too_large' });
    expect(err.message).toBe(
      'the deflated dataset inflates past 7048576 bytes, the most an image within the limit of 1000000 pixels needs (6 bytes a pixel plus 1048576 bytes of header)',
    );
  });

  it('the limit is what the file needs, not less: the 512x512 image with 1 MiB of padding decodes at maxPixels 512*512', async () => {
    // 262144 pixels x 6 + 1 MiB = 2621440 bytes: room for the ~263 KB dataset and 1 MiB of padding...
    expect(await decoded(deflatedDicomBomb(MiB), { maxPixels: 512 * 512 })).toMatchObject({ width: 512, height: 512 });
    // ...but not for 3 MiB of it.
    expect(await decodeError(deflatedDicomBomb(3 * MiB), { maxPixels: 512 * 512 })).toMatchObject({ status: 413, code: 'image_inflates_too_large' });
  });
});
