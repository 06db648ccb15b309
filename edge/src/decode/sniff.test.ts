/**
 * sniffImageType on the real files in ../shared/data (PNG masks, JPEG slices, every pydicom test
 * file), on DICOM datasets stripped of their preamble and meta header, and on bytes that must
 * not be taken for any of them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sniffImageType } from './sniff.js';

const DATA = new URL('../../../../shared/data/', import.meta.url);
const read = (path: string): Uint8Array => new Uint8Array(readFileSync(new URL(path, DATA)));
const dicomNames = readdirSync(new URL('dicom/', DATA)).filter((f) => f.endsWith('.dcm')).sort();

/** The dataset after the Part 10 header: 128-byte preamble, "DICM", then the (0002,xxxx) group whose length (0002,0000) gives. */
function withoutMeta(file: Uint8Array): Uint8Array {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  // (0002,0000) UL, explicit VR little endian: tag(4) VR(2) length(2) value(4)
  expect([dv.getUint16(132, true), dv.getUint16(134, true)]).toEqual([0x0002, 0x0000]);
  return file.subarray(132 + 12 + dv.getUint32(140, true));
}

describe('sniffImageType', () => {
  it('knows the real PNG masks and JPEG slices', () => {
    for (const name of ['18', '21', '36']) {
      expect(sniffImageType(read(`covid-semiseg/test/masks/${name}.png`))).toBe('png');
      expect(sniffImageType(read(`covid-semiseg/test/images/${name}.jpg`))).toBe('jpeg');
    }
  });

  it('knows every Part 10 DICOM file (DICM at offset 128)', () => {
    const part10 = dicomNames.filter((n) => {
      const b = read(`dicom/${n}`);
      return String.fromCharCode(...b.subarray(128, 132)) === 'DICM';
    });
    expect(part10.length).toBeGreaterThanOrEqual(20);
    for (const name of part10) expect(sniffImageType(read(`dicom/${name}`)), name).toBe('dicom');
  });

  it('knows a dataset without preamble or meta header, implicit and explicit VR', () => {
    const implicit = withoutMeta(read('dicom/MR_small_implicit.dcm'));
    const explicit = withoutMeta(read('dicom/MR_small.dcm'));
    expect([...implicit.subarray(0, 2), implicit[3]]).toEqual([0x08, 0x00, 0x00]);
    expect(sniffImageType(implicit)).toBe('dicom');
    expect(sniffImageType(explicit)).toBe('dicom');
    // The meta group itself, written without its preamble, starts with group 0x0002.
    expect(sniffImageType(read('dicom/MR_small.dcm').subarray(132))).toBe('dicom');
  });

  it('returns undefined for empty, short, text and random bytes', () => {
    let seed = 1;
    const random = Uint8Array.from({ length: 512 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
    const cases = [
      new Uint8Array(0),
      Uint8Array.of(0xff, 0xd8), // SOI alone
      Uint8Array.of(0x89, 0x50, 0x4e, 0x47), // half a PNG signature
      new TextEncoder().encode('{"image": "not really"}'),
      new Uint8Array(200), // zeros: no DICM at 128
      random,
      Uint8Array.of(0x08, 0x00, 0x05, 0x00, 0xff, 0xff, 0xff, 0x7f), // group 8 tag, then an absurd implicit length
      Uint8Array.of(0x08, 0x00, 0x05, 0x01, 0x43, 0x53, 0x0a, 0x00), // element >= 0x0100 cannot come first
    ];
    for (const [i, bytes] of cases.entries()) expect(sniffImageType(bytes), `case ${i}`).toBeUndefined();
  });

  it('needs the magic at its exact offset: a PNG shifted by one byte is nothing, DICM at 128 is DICOM', () => {
    const png = read('covid-semiseg/test/masks/18.png');
    expect(sniffImageType(png.subarray(1))).toBeUndefined();
    const fakeDicm = new Uint8Array(132);
    fakeDicm.set([0x44, 0x49, 0x43, 0x4d], 128);
    expect(sniffImageType(fakeDicm)).toBe('dicom');
  });
});
