/**
 * decodePng on image data that contradicts its IHDR, the findings of the security review:
 * decompression bombs (an IDAT inflating far past what IHDR declares: before the fix a 1 MB PNG
 * inflated to 1 GiB and was answered 200) must stop at the declared size, fast and without the
 * memory; and a row filter type PNG does not define (> 4) must be refused naming the row, where
 * upng-js left the row as it was sent. Built from real data: a covid-semiseg test mask, the slice.
 */
import { readFileSync } from 'node:fs';
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MiB, pngBomb } from './deflate-bomb.test-support.js';
import { expectDecodeError } from './expect-decode-error.test-support.js';
import { buildPng, chunk, concat, SIG } from './png-builder.test-support.js';
import { at, H, MASKS, maskNames, W } from './png-slice.test-support.js';
import { decodePng } from './png.js';

/** A real 8-bit gray mask: its IHDR chunk as it is, its IDAT inflated (rows with filter bytes). */
const mask = (() => {
  const png = new Uint8Array(readFileSync(new URL(maskNames[0]!, MASKS)));
  const dv = new DataView(png.buffer, png.byteOffset);
  const idat: Uint8Array[] = [];
  for (let off = 8; off < png.length; off += 12 + dv.getUint32(off)) {
    if (String.fromCharCode(...png.subarray(off + 4, off + 8)) === 'IDAT') idat.push(png.subarray(off + 8, off + 8 + dv.getUint32(off)));
  }
  const width = dv.getUint32(16);
  const height = dv.getUint32(20);
  expect([png[24], png[25], png[28]], 'the mask is 8-bit gray, not interlaced').toEqual([8, 0, 0]);
  return { png, width, height, ihdr: png.subarray(8, 33), rows: new Uint8Array(inflateSync(concat(idat))) };
})();

/** The mask again, with these rows (filter bytes included) as its image data. */
const maskWith = (rows: Uint8Array): Uint8Array => concat([SIG, mask.ihdr, chunk('IDAT', new Uint8Array(deflateSync(rows))), chunk('IEND')]);

/** The process's peak resident set so far, in bytes (Node reports KiB). */
const peakRss = (): number => process.resourceUsage().maxRSS * 1024;

describe('decodePng stops image data that inflates past its IHDR', () => {
  it('a 512x512 PNG whose IDAT inflates to 256 MiB: 422 image_inflates_too_large after 262656 bytes, fast and small', () => {
    const bomb = pngBomb(512, 512, 256 * MiB);
    expect(bomb.length).toBeLessThan(300_000); // a 260 KB upload
    const before = peakRss();
    const t0 = performance.now();
    const e = expectDecodeError(() => decodePng(bomb), 422, 'image_inflates_too_large');
    expect(performance.now() - t0).toBeLessThan(500);
    // Inflated whole (as before the fix) this is 256 MiB and more; bounded it is the 262656 bytes.
    expect(peakRss() - before).toBeLessThan(32 * MiB);
    expect(e.message).toBe(
      'PNG image data inflates past 262656 bytes, what its IHDR declares (512x512, 8 bits x 1 channels, with one filter byte per row)',
    );
  });

  it('an Adam7 bomb stops at the sum of its seven passes', () => {
    // 512x512 fills every pass: 64x64, 64x64, 128x64, 128x128, 256x128, 256x256, 512x256 pixels, one filter byte a row.
    const passes = 64 * 65 + 64 * 65 + 64 * 129 + 128 * 129 + 128 * 257 + 256 * 257 + 256 * 513;
    const e = expectDecodeError(() => decodePng(pngBomb(512, 512, 64 * MiB, true)), 422, 'image_inflates_too_large');
    expect(e.message).toContain(`inflates past ${passes} bytes`);
    expect(e.message).toContain('512x512 Adam7');
  });

  it('a bomb declaring the largest image the raw-size cap admits (4000x4000) still stops at its 16004000 bytes', () => {
    const bomb = pngBomb(4000, 4000, 256 * MiB);
    const before = peakRss();
    const t0 = performance.now();
    const e = expectDecodeError(() => decodePng(bomb), 422, 'image_inflates_too_large');
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(peakRss() - before).toBeLessThan(64 * MiB);
    expect(e.message).toContain('inflates past 16004000 bytes');
  });

  it('a real mask with one row more than its IHDR declares is refused; with its own rows it decodes', () => {
    const extraRow = concat([mask.rows, new Uint8Array(mask.width + 1)]);
    const e = expectDecodeError(() => decodePng(maskWith(extraRow)), 422, 'image_inflates_too_large');
    expect(e.message).toContain(`inflates past ${mask.height * (mask.width + 1)} bytes`);
    expect(decodePng(maskWith(mask.rows))).toMatchObject({ width: mask.width, height: mask.height });
    // Too little data stays what it was: image_truncated.
    expectDecodeError(() => decodePng(maskWith(mask.rows.subarray(0, mask.rows.length - 1))), 422, 'image_truncated');
  });

  it('a declared size over the caps is still 413 image_too_large before anything is inflated', () => {
    const rawCap = expectDecodeError(() => decodePng(pngBomb(5000, 5000, MiB)), 413, 'image_too_large');
    expect(rawCap.message).toMatch(/inflates to 25005000 bytes; the limit is 16777216/);
    const pixelCap = expectDecodeError(() => decodePng(pngBomb(8000, 8000, MiB)), 413, 'image_too_large');
    expect(pixelCap.message).toMatch(/64000000 pixels; the limit is 40000000/);
  });
});

describe('decodePng refuses row filter types PNG does not define', () => {
  it('a real mask with filter type 5, 6, 127 or 255 on row 17: 422 image_corrupt naming the row', () => {
    expect(mask.height).toBeGreaterThan(17);
    for (const type of [5, 6, 127, 255]) {
      const rows = mask.rows.slice();
      rows[17 * (mask.width + 1)] = type;
      const e = expectDecodeError(() => decodePng(maskWith(rows)), 422, 'image_corrupt');
      expect(e.message).toBe(`PNG row 17 (of rows 0..${mask.height - 1}) has filter type ${type}; PNG defines filter types 0 to 4 only`);
    }
  });

  it('the first and the last row are checked too, and every defined type 0..4 is accepted', () => {
    for (const row of [0, mask.height - 1]) {
      const rows = mask.rows.slice();
      rows[row * (mask.width + 1)] = 9;
      expect(expectDecodeError(() => decodePng(maskWith(rows)), 422, 'image_corrupt').message).toContain(`PNG row ${row} `);
    }
    // All-zero pixel data stays all zero under every filter, whatever the row above.
    for (const type of [0, 1, 2, 3, 4]) {
      const rows = new Uint8Array(mask.rows.length);
      for (let y = 0; y < mask.height; y++) rows[y * (mask.width + 1)] = type;
      const img = decodePng(maskWith(rows));
      expect(img.data.every((v) => v === 0), `filter ${type}`).toBe(true);
    }
  });

  it('in an Adam7 image: names the pass and the row', () => {
    const png = buildPng({ colorType: 0, depth: 8, sample: at, interlace: true });
    const dv = new DataView(png.buffer, png.byteOffset);
    const idatAt = 33 + 8;
    const rows = new Uint8Array(inflateSync(png.subarray(idatAt, idatAt + dv.getUint32(33))));
    // Pass 3 starts at column 0, row 4, every 4th column and 8th row; passes 1 and 2 come before it.
    const passBytes = (x0: number, y0: number, dx: number, dy: number): number => Math.ceil((H - y0) / dy) * (Math.ceil((W - x0) / dx) + 1);
    const pass3 = passBytes(0, 0, 8, 8) + passBytes(4, 0, 8, 8);
    rows[pass3 + 2 * (Math.ceil(W / 4) + 1)] = 200; // pass 3, row 2
    const ihdr = png.subarray(8, 33);
    const bad = concat([SIG, ihdr, chunk('IDAT', new Uint8Array(deflateSync(rows))), chunk('IEND')]);
    expect(expectDecodeError(() => decodePng(bad), 422, 'image_corrupt').message).toMatch(/^PNG Adam7 pass 3, row 2 \(of rows 0\.\.\d+\) has filter type 200;/);
  });
});
