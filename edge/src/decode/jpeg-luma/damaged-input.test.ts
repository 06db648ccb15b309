/**
 * Damaged and hostile input: files cut at every offset, random bit flips, and headers that lie
 * (unsupported kinds, missing tables, scan floods). Every outcome must be a decode or a
 * DecodeError with its documented status, never another exception, and always in bounded time.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../decoded-image.js';
import { expectDecodeError } from '../expect-decode-error.test-support.js';
import { decodeJpegLuma, MAX_SCANS } from './decode-jpeg-luma.js';
import { concat, dht, dqt, EOI, flatGray, segment, SOI, sof, sos } from './jpeg-builder.test-support.js';
import type { ScaleDenominator } from './zigzag.js';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`testdata/${name}`, import.meta.url)));
const slice = new Uint8Array(readFileSync(new URL('../../../../../shared/data/covid-semiseg/test/images/18.jpg', import.meta.url)));
const FILES = ['base-gray.jpg', 'rst-420.jpg', 'base-420-prog.jpg', 'rst-422-prog.jpg', 'scans-progressive.jpg', 'scans-sequential.jpg', 'luma-half.jpg'];

/** Runs a decode; returns 'decoded' or the DecodeError's code, and fails on any other throw. */
function outcome(bytes: Uint8Array, scale: ScaleDenominator): string {
  try {
    decodeJpegLuma(bytes, { scale });
    return 'decoded';
  } catch (err) {
    if (!(err instanceof DecodeError)) throw new Error(`not a DecodeError: ${String(err)}`, { cause: err });
    expect([413, 415, 422]).toContain(err.status);
    return err.code;
  }
}

describe('decodeJpegLuma on truncated files', () => {
  it('answers 422 image_truncated for every cut of every fixture (baseline, progressive, restarts)', () => {
    for (const name of FILES) {
      const bytes = fixture(name);
      for (let cut = 2; cut < bytes.length; cut++) {
        const scale = ([1, 2, 4, 8] as const)[cut % 4]!;
        expect(outcome(bytes.subarray(0, cut), scale), `${name} cut at ${cut}`).toBe('image_truncated');
      }
    }
  });

  it('answers 422 image_truncated for cuts all through a real slice', () => {
    for (let cut = 2; cut < slice.length; cut += 37) expect(outcome(slice.subarray(0, cut), 1), `cut at ${cut}`).toBe('image_truncated');
  });
});

describe('decodeJpegLuma on random damage', () => {
  it('decodes or throws DecodeError for 3000 files with random bit flips, each in bounded time', () => {
    let seed = 7;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const seen = new Map<string, number>();
    let slowest = 0;
    for (let i = 0; i < 3000; i++) {
      const source = i % 8 === 7 ? slice : fixture(FILES[i % FILES.length]!);
      const bytes = source.slice();
      const flips = 1 + rand(8);
      for (let f = 0; f < flips; f++) {
        // Half the flips land in the first 700 bytes, where the tables and headers are.
        const at = rand(2) === 0 ? rand(Math.min(700, bytes.length)) : rand(bytes.length);
        bytes[at] = bytes[at]! ^ (1 << rand(8));
      }
      const t0 = performance.now();
      const code = outcome(bytes, ([1, 2, 4, 8] as const)[i % 4]!);
      slowest = Math.max(slowest, performance.now() - t0);
      seen.set(code, (seen.get(code) ?? 0) + 1);
    }
    expect(seen.get('decoded')).toBeGreaterThan(100);
    expect(seen.get('image_corrupt')).toBeGreaterThan(100);
    expect(slowest).toBeLessThan(1000);
  });
});

describe('decodeJpegLuma on hostile headers', () => {
  it('decodes the hand-built flat file the other cases break', () => {
    const out = decodeJpegLuma(flatGray());
    expect([out.width, out.height, [...new Set(out.data)]]).toEqual([16, 16, [128]]);
  });

  it('refuses 12-bit samples, lossless, arithmetic coding, RGB, CMYK and 2-component files with 415', () => {
    const cases: [string, Uint8Array][] = [
      // 12 bits only in extended sequential frames (SOF1, DICOM's JPEG Extended): not baseline, not progressive.
      ['12-bit baseline', flatGray({ frame: sof(0xc0, 16, 16, [[1, 1, 1, 0]], 12) })],
      ['12-bit progressive', flatGray({ frame: sof(0xc2, 16, 16, [[1, 1, 1, 0]], 12) })],
      ['lossless SOF3', flatGray({ frame: sof(0xc3, 16, 16, [[1, 1, 1, 0]]) })],
      ['arithmetic SOF9', flatGray({ frame: sof(0xc9, 16, 16, [[1, 1, 1, 0]]) })],
      ['DAC', flatGray({ tables: [dqt(0), segment(0xcc, [0x00, 0x10])] })],
      ['Adobe RGB', concat(SOI, segment(0xee, [0x41, 0x64, 0x6f, 0x62, 0x65, 0, 100, 0, 0, 0, 0, 0]), flatGray({ frame: sof(0xc0, 16, 16, [[1, 1, 1, 0], [2, 1, 1, 0], [3, 1, 1, 0]]) }).subarray(2))],
      ['RGB ids', flatGray({ frame: sof(0xc0, 16, 16, [[0x52, 1, 1, 0], [0x47, 1, 1, 0], [0x42, 1, 1, 0]]), scan: sos([[0x52, 0, 0]]) })],
      ['CMYK', flatGray({ frame: sof(0xc0, 16, 16, [[1, 1, 1, 0], [2, 1, 1, 0], [3, 1, 1, 0], [4, 1, 1, 0]]) })],
      ['2 components', flatGray({ frame: sof(0xc0, 16, 16, [[1, 1, 1, 0], [2, 1, 1, 0]]) })],
    ];
    for (const [what, bytes] of cases) expect(expectDecodeError(() => decodeJpegLuma(bytes), 415, 'unsupported_image_kind').message, what).toMatch(/not supported/);
  });

  it('refuses missing or inconsistent tables and headers with 422 image_corrupt', () => {
    const cases: [string, Uint8Array][] = [
      ['no DHT', flatGray({ tables: [dqt(0)] })],
      ['no DQT', flatGray({ tables: [dht(0, 0, [1], [0]), dht(1, 0, [1], [0])] })],
      ['SOS before SOF', concat(SOI, dqt(0), dht(0, 0, [1], [0]), dht(1, 0, [1], [0]), sos([[1, 0, 0]]), [0x00], EOI)],
      ['no SOF', concat(SOI, dqt(0), EOI)],
      ['no scan', concat(SOI, dqt(0), sof(0xc0, 16, 16, [[1, 1, 1, 0]]), EOI)],
      ['only a chroma scan', flatGray({ frame: sof(0xc0, 16, 16, [[1, 1, 1, 0], [2, 1, 1, 0], [3, 1, 1, 0]]), scan: sos([[2, 0, 0]]) })],
      ['scan of an unknown component', flatGray({ scan: sos([[9, 0, 0]]) })],
      ['sampling 5x1', flatGray({ frame: sof(0xc0, 16, 16, [[1, 5, 1, 0]]) })],
      ['11 blocks per MCU', flatGray({ frame: sof(0xc0, 16, 16, [[1, 3, 3, 0], [2, 1, 1, 0], [3, 1, 1, 0]]), scan: sos([[1, 0, 0], [2, 0, 0], [3, 0, 0]]) })],
      ['overfull Huffman counts', flatGray({ tables: [dqt(0), dht(0, 0, [3], [0, 1, 2]), dht(1, 0, [1], [0])] })],
      ['second frame', flatGray({ frame: concat(sof(0xc0, 16, 16, [[1, 1, 1, 0]]), sof(0xc0, 16, 16, [[1, 1, 1, 0]])) })],
      ['progressive AC scan of two components', flatGray({ frame: sof(0xc2, 16, 16, [[1, 1, 1, 0], [2, 1, 1, 0], [3, 1, 1, 0]]), scan: sos([[1, 0, 0], [2, 0, 0]], 1, 5) })],
      ['progressive Ah != Al + 1', flatGray({ frame: sof(0xc2, 16, 16, [[1, 1, 1, 0]]), scan: sos([[1, 0, 0]], 0, 0, 3, 0) })],
      ['scan data stops early at EOI', flatGray({ frame: sof(0xc0, 64, 64, [[1, 1, 1, 0]]) })],
    ];
    for (const [what, bytes] of cases) {
      let caught: unknown;
      try {
        decodeJpegLuma(bytes);
      } catch (err) {
        caught = err;
      }
      expect(caught, what).toBeInstanceOf(DecodeError);
      expect([(caught as DecodeError).status, (caught as DecodeError).code], `${what}: ${String(caught)}`).toEqual([422, 'image_corrupt']);
    }
  });

  it('refuses a zero side (422) and more pixels than maxPixels (413) before allocating', () => {
    expectDecodeError(() => decodeJpegLuma(flatGray({ frame: sof(0xc0, 16, 0, [[1, 1, 1, 0]]) })), 422, 'image_dimensions_invalid');
    expectDecodeError(() => decodeJpegLuma(flatGray(), { maxPixels: 255 }), 413, 'image_too_large');
  });

  it(`walks a 36 MP progressive frame of ${MAX_SCANS} end-of-band scans in bounded time, and refuses scan ${MAX_SCANS + 1}`, () => {
    // AC table: the single one-bit code '0' is EOB14, a run of 2^14 + (14 more bits) blocks.
    // Each scan covers all 750 x 750 blocks with 18 such runs of 32767 blocks: 34 bytes.
    const runs = Math.ceil((750 * 750) / 32767);
    const scanData = new Uint8Array(Math.ceil((runs * 15) / 8)).fill(0);
    let bit = 0;
    for (let r = 0; r < runs; r++) {
      bit++; // the code '0'
      for (let b = 0; b < 14; b++, bit++) scanData[bit >> 3] = scanData[bit >> 3]! | (0x80 >> (bit & 7)); // 14 ones
    }
    for (let b = bit; b < scanData.length * 8; b++) scanData[b >> 3] = scanData[b >> 3]! | (0x80 >> (b & 7)); // pad with ones
    const stuffed = [...scanData].flatMap((v) => (v === 0xff ? [0xff, 0x00] : [v]));
    // First scans (Ah 0) and refinement scans (Ah 1), whose runs still visit every block.
    for (const ah of [0, 1]) {
      const scan = concat(sos([[1, 0, 0]], 1, 63, ah, 0), stuffed);
      const file = (scans: number): Uint8Array =>
        concat(SOI, dqt(0), dht(1, 0, [1], [0xe0]), sof(0xc2, 6000, 6000, [[1, 1, 1, 0]]), ...Array<Uint8Array>(scans).fill(scan), EOI);
      const t0 = performance.now();
      const out = decodeJpegLuma(file(MAX_SCANS), { scale: 4 });
      expect(performance.now() - t0, `Ah ${ah}`).toBeLessThan(10_000); // measured 65 ms and 670 ms on a loaded 2-core box
      expect([out.width, out.height]).toEqual([1500, 1500]);
      expectDecodeError(() => decodeJpegLuma(file(MAX_SCANS + 1), { scale: 4 }), 422, 'image_corrupt');
    }
  });
});
