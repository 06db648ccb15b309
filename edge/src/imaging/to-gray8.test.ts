/**
 * toGray8 on every kind of decoded image: 8-bit shared as is, 16-bit exactly undoing the 8 -> 16
 * expansion (also through a real 16-bit PNG made from a real slice), and DICOM windowed exactly
 * as pydicom windows it (testdata/window-vectors.json, made by make-window-vectors.py).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { DecodedImage } from '../decode/decoded-image.js';
import { decodeDicom } from '../decode/dicom/index.js';
import { decodePng } from '../decode/png.js';
import { DICOM, loadTestSlice, readData } from './imaging-data.test-support.js';
import { gray16ToGray8, toGray8 } from './to-gray8.js';
import { DEFAULT_LUNG_WINDOW } from './window.js';

interface WindowVectors {
  width: number;
  height: number;
  vectors: { center: number; width: number; sha256: string; zeros: number; full: number }[];
}
const windowVectors = JSON.parse(readFileSync(new URL('testdata/window-vectors.json', import.meta.url), 'utf8')) as WindowVectors;

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A 16-bit gray PNG (filter 0 rows, big-endian samples) built with node's zlib. */
function png16(width: number, height: number, samples: Uint16Array): Uint8Array {
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 16;
  const raw = Buffer.alloc(height * (1 + 2 * width));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.writeUInt16BE(samples[y * width + x]!, y * (1 + 2 * width) + 1 + 2 * x);
  }
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new Uint8Array(Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]));
}

describe('16-bit to 8-bit', () => {
  it('0, 257 and 65535 map to 0, 1 and 255; ties cannot happen (257 is odd)', () => {
    expect(Array.from(gray16ToGray8(Uint16Array.of(0, 128, 129, 257, 385, 386, 65406, 65407, 65535)))).toEqual([0, 0, 1, 1, 1, 2, 254, 255, 255]);
  });

  it('equals round(v / 257) for every 16-bit value', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, v) => v);
    const out = gray16ToGray8(all);
    for (let v = 0; v < 65536; v++) if (out[v] !== Math.round(v / 257)) expect.fail(`v=${v}: ${out[v]} != ${Math.round(v / 257)}`);
  });

  it('a real slice expanded to 16 bits and saved as a 16-bit PNG comes back pixel for pixel', () => {
    const slice = loadTestSlice('18.jpg');
    const wide = Uint16Array.from(slice.data, (v) => v * 257);
    const decoded = decodePng(png16(slice.width, slice.height, wide));
    expect(decoded).toMatchObject({ kind: 'gray', bitDepth: 16 });
    const gray = toGray8(decoded);
    expect(gray.width).toBe(slice.width);
    expect(gray.height).toBe(slice.height);
    expect(Buffer.from(gray.data).equals(Buffer.from(slice.data))).toBe(true);
  });
});

describe('toGray8', () => {
  it('8-bit gray is returned as is (same buffer), whatever the window', () => {
    const slice = loadTestSlice('21.jpg');
    const decoded: DecodedImage = { kind: 'gray', width: slice.width, height: slice.height, data: slice.data, bitDepth: 8 };
    const gray = toGray8(decoded, { kind: 'custom', center: 0, width: 1 });
    expect(gray.data).toBe(slice.data);
  });

  it('CT_small.dcm: matches pydicom apply_windowing for every reference window', async () => {
    const image = await decodeDicom(readData(new URL('CT_small.dcm', DICOM)));
    expect(image.kind).toBe('hounsfield');
    for (const v of windowVectors.vectors) {
      const gray = toGray8(image, { kind: 'custom', center: v.center, width: v.width });
      expect([gray.width, gray.height]).toEqual([windowVectors.width, windowVectors.height]);
      const zeros = gray.data.reduce((n, p) => n + (p === 0 ? 1 : 0), 0);
      const full = gray.data.reduce((n, p) => n + (p === 255 ? 1 : 0), 0);
      expect({ window: `${v.center}/${v.width}`, zeros, full, sha256: sha256(gray.data) }).toEqual({
        window: `${v.center}/${v.width}`,
        zeros: v.zeros,
        full: v.full,
        sha256: v.sha256,
      });
    }
  });

  it('CT_small.dcm has no window of its own: `file` and the default both give the lung window', async () => {
    const image = await decodeDicom(readData(new URL('CT_small.dcm', DICOM)));
    const lung = windowVectors.vectors.find((v) => v.center === DEFAULT_LUNG_WINDOW.center && v.width === DEFAULT_LUNG_WINDOW.width)!;
    expect(sha256(toGray8(image).data)).toBe(lung.sha256);
    expect(sha256(toGray8(image, { kind: 'file' }).data)).toBe(lung.sha256);
  });

  it('`file` uses the file window when there is one; MONOCHROME1 comes out inverted', () => {
    const data = Float32Array.of(-100, 0, 39.5, 40, 100, 500);
    const base = { kind: 'hounsfield' as const, width: 3, height: 2, data, fileWindow: { center: 40, width: 1 } };
    expect(Array.from(toGray8({ ...base, invert: false }, { kind: 'file' }).data)).toEqual([0, 0, 0, 255, 255, 255]);
    expect(Array.from(toGray8({ ...base, invert: true }, { kind: 'file' }).data)).toEqual([255, 255, 255, 0, 0, 0]);
    // the lung window ignores the file's: -100 HU and 0 HU sit high in -1093..282 (PS3.3 C.11.2.1.2, by hand)
    expect(Array.from(toGray8({ ...base, invert: false }).data)).toEqual([184, 203, 210, 210, 221, 255]);
  });

  it('image_dfl.dcm (deflated, 512x512) windows to a 512x512 slice', async () => {
    const image = await decodeDicom(readData(new URL('image_dfl.dcm', DICOM)));
    const gray = toGray8(image, { kind: 'file' });
    expect([gray.width, gray.height, gray.data.length]).toEqual([512, 512, 512 * 512]);
  });

  it('refuses an image whose pixel count does not match its size', () => {
    expect(() => toGray8({ kind: 'gray', width: 2, height: 2, data: new Uint8Array(3), bitDepth: 8 })).toThrow(RangeError);
  });
});
