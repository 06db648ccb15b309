/**
 * inflateBounded against node's zlib: every stream zlib writes (all levels, strategies and window
 * sizes, zlib and raw, real PNG and DICOM data) inflates to exactly zlib's bytes; cut, damaged and
 * oversized streams give the right DecodeError; and a 256 MiB decompression bomb is stopped after
 * the limit, in milliseconds, with no memory to speak of.
 */
import { readFileSync } from 'node:fs';
import { constants, deflateRawSync, deflateSync, gzipSync, inflateRawSync, inflateSync, type ZlibOptions } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { inflateBounded, type BoundedInflateOptions } from './bounded-inflate.js';
import { DecodeError } from './decoded-image.js';
import { MiB, zeroBomb } from './deflate-bomb.test-support.js';
import { expectDecodeError } from './expect-decode-error.test-support.js';
import { MASKS, maskNames } from './png-slice.test-support.js';
import { realDeflatedDataset } from './dicom/deflated-bomb.test-support.js';

const opts = (format: 'zlib' | 'raw', maxBytes = 64 * MiB, size: 'exact' | 'ceiling' = 'ceiling'): BoundedInflateOptions => ({
  format,
  maxBytes,
  size,
  what: 'the test data',
  limit: { status: 422, reason: 'the test limit' },
});
const inflate = (z: Uint8Array, format: 'zlib' | 'raw', maxBytes?: number): Uint8Array => inflateBounded(z, opts(format, maxBytes)).bytes;
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** Inputs of every kind: a real mask's pixels, a real DICOM dataset, noise, long runs, text-like data. */
function corpus(): Record<string, Uint8Array> {
  const mask = new Uint8Array(inflateSync(idatOf(new Uint8Array(readFileSync(new URL(maskNames[3]!, MASKS))))));
  let seed = 99;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  const noise = Uint8Array.from({ length: 70_000 }, rand);
  const runs = new Uint8Array(200_000);
  for (let i = 0; i < runs.length; i++) runs[i] = (i >> 9) % 3 === 0 ? 7 : (i * 7) & 0x0f; // overlapping copies, far distances
  // 3 MiB of 24 KiB noise blocks, each repeated once with changes: distances near the 32 KiB
  // window, across the refills of the 64 KiB counting buffer (zlib's window spans them).
  const long = new Uint8Array(3 * MiB);
  for (let i = 0; i < long.length; i += 48 * 1024) {
    const block = Uint8Array.from({ length: 24 * 1024 }, rand);
    long.set(block, i);
    if (i + 24 * 1024 < long.length) long.set(block.map((v, k) => (k % 1000 === 0 ? v ^ 1 : v)), i + 24 * 1024);
  }
  const words = new TextEncoder().encode(Array.from({ length: 4000 }, (_, i) => `slice ${i % 97} lung ${(i * 31) % 13}`).join(' '));
  return { mask, dicom: realDeflatedDataset().dataset, noise, runs, long, words, empty: new Uint8Array(0), one: Uint8Array.of(42) };
}

/** The concatenated IDAT data of a PNG (chunk walk without checks: the files are real ones). */
function idatOf(png: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const dv = new DataView(png.buffer, png.byteOffset);
  for (let off = 8; off < png.length; ) {
    const len = dv.getUint32(off);
    if (String.fromCharCode(...png.subarray(off + 4, off + 8)) === 'IDAT') parts.push(png.subarray(off + 8, off + 8 + len));
    off += 12 + len;
  }
  return Buffer.concat(parts);
}

describe('inflateBounded inflates what zlib writes, byte for byte', () => {
  const settings: ZlibOptions[] = [
    ...[0, 1, 4, 6, 9].map((level) => ({ level })),
    { strategy: constants.Z_FIXED },
    { strategy: constants.Z_HUFFMAN_ONLY },
    { strategy: constants.Z_RLE },
    { strategy: constants.Z_FILTERED, memLevel: 1 },
    { windowBits: 9, level: 9 },
  ];
  for (const [name, data] of Object.entries(corpus())) {
    it(`${name} (${data.length} bytes) at every level and strategy, zlib and raw`, () => {
      for (const s of name === 'long' ? settings.slice(0, 4) : settings) {
        const z = new Uint8Array(deflateSync(data, s));
        const raw = new Uint8Array(deflateRawSync(data, s));
        // 'ceiling' counts through a reused 64 KiB buffer, then keeps; 'exact' keeps at once.
        expect(same(inflate(z, 'zlib'), data), `${name} zlib ${JSON.stringify(s)}`).toBe(true);
        expect(same(inflate(raw, 'raw'), data), `${name} raw ${JSON.stringify(s)}`).toBe(true);
        expect(same(inflateBounded(z, opts('zlib', data.length, 'exact')).bytes, data), `${name} zlib exact`).toBe(true);
      }
    });
  }

  it('every real covid-semiseg test mask\'s IDAT stream inflates as zlib inflates it', () => {
    for (const name of maskNames) {
      const idat = idatOf(new Uint8Array(readFileSync(new URL(name, MASKS))));
      expect(same(inflate(idat, 'zlib'), new Uint8Array(inflateSync(idat))), name).toBe(true);
    }
  });

  it('reports bytes after the end of the stream instead of reading them', () => {
    const z = new Uint8Array(deflateRawSync(corpus()['words']!));
    const padded = Buffer.concat([z, Buffer.from([0, 0, 0])]);
    expect(inflateBounded(padded, opts('raw')).trailingBytes).toBe(3);
    expect(inflateBounded(z, opts('raw')).trailingBytes).toBe(0);
  });
});

describe('inflateBounded refuses what zlib refuses', () => {
  const data = corpus()['dicom']!.subarray(0, 20_000);
  const z = new Uint8Array(deflateSync(data, { level: 6 }));

  it('a stream cut anywhere is 422 image_truncated', () => {
    for (let cut = 0; cut < z.length; cut += cut < 64 ? 1 : 97) {
      const e = expectDecodeError(() => inflate(z.subarray(0, cut), 'zlib'), 422, 'image_truncated');
      expect(e.message).toMatch(/^the test data ends at input byte \d+/);
    }
  });

  it('a bad header, reserved block type, bad stored length or wrong Adler-32 is 422 image_corrupt', () => {
    const patched = (at: number, value: number): Uint8Array => {
      const b = z.slice();
      b[at] = value;
      return b;
    };
    // CMF as given, FLG made to pass the check bits (RFC 1950: CMF * 256 + FLG is a multiple of 31).
    const header = (cmf: number): Uint8Array => {
      const b = patched(0, cmf);
      b[1] = (31 - ((cmf * 256) % 31)) % 31;
      return b;
    };
    const stored = new Uint8Array(deflateRawSync(data.subarray(0, 100), { level: 0 }));
    stored[3]! ^= 1; // NLEN no longer complements LEN
    // The reasons are zlib's own words, as pako gives them.
    for (const [bad, format, message] of [
      [header(0x79), 'zlib', /unknown compression method/], // method 9
      [header(0x88), 'zlib', /invalid window size/], // window 2^16
      [patched(0, 0x79), 'zlib', /incorrect header check/], // method 9, check bits left as they were
      [patched(1, z[1]! ^ 1), 'zlib', /incorrect header check/],
      [Uint8Array.of(0x78, 0xbb, 0, 0, 0, 0), 'zlib', /preset dictionary/],
      [Uint8Array.of(0x07), 'raw', /invalid block type/], // reserved block type 3
      [stored, 'raw', /invalid stored block lengths/],
      [patched(z.length - 1, z[z.length - 1]! ^ 0xff), 'zlib', /incorrect data check/], // Adler-32
      [new Uint8Array(gzipSync(data)), 'zlib', /incorrect header check/], // gzip is not zlib
    ] as const) {
      const e = expectDecodeError(() => inflate(bad, format), 422, 'image_corrupt');
      expect(e.message).toMatch(message);
    }
  });

  it('a back-reference before the start of the data is 422 image_corrupt with zlib\'s reason', () => {
    // One fixed-Huffman block: length 3 at distance 1 as its first symbol, then end of block.
    const e = expectDecodeError(() => inflate(Uint8Array.of(0x03, 0x02, 0x00), 'raw'), 422, 'image_corrupt');
    expect(e.message).toBe('the test data does not inflate: invalid distance too far back (near input byte 2)');
  });

  it('random damage gives zlib\'s bytes or a DecodeError, never another error nor other bytes', () => {
    let seed = 4242;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const codes = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const bad = z.slice();
      for (let k = 0; k <= rand(3); k++) bad[2 + rand(bad.length - 2)] = rand(256);
      let ours: Uint8Array | DecodeError;
      try {
        ours = inflate(bad, 'zlib');
      } catch (err) {
        expect(err).toBeInstanceOf(DecodeError);
        ours = err as DecodeError;
      }
      let theirs: Uint8Array | undefined;
      try {
        theirs = new Uint8Array(inflateSync(bad));
      } catch {
        theirs = undefined;
      }
      if (ours instanceof DecodeError) {
        codes.add(ours.code);
        expect(theirs, `damage ${i}: zlib inflates what we refuse (${ours.message})`).toBeUndefined();
      } else expect(theirs && same(ours, theirs), `damage ${i}: we inflated what zlib refuses or inflates otherwise`).toBe(true);
    }
    expect(codes.has('image_corrupt')).toBe(true);
  });
});

describe('inflateBounded stops a decompression bomb at its limit', () => {
  it('256 MiB of zeros (zlib and raw) stop at 1 MiB: 422 image_inflates_too_large naming the limit, in milliseconds', () => {
    for (const format of ['zlib', 'raw'] as const) {
      const bomb = zeroBomb(256 * MiB, format);
      expect(bomb.length).toBeLessThan(300_000);
      const rss = process.resourceUsage().maxRSS;
      const t0 = performance.now();
      const e = expectDecodeError(() => inflate(bomb, format, MiB), 422, 'image_inflates_too_large');
      expect(performance.now() - t0).toBeLessThan(500);
      // maxRSS is the process's peak in KiB; inflating the bomb whole would add 256 MiB.
      expect(process.resourceUsage().maxRSS - rss).toBeLessThan(32 * 1024);
      expect(e.message).toBe(`the test data inflates past ${MiB} bytes, the test limit`);
    }
  });

  it('measuring an unknown size costs no memory: a 200 MiB ceiling is counted, not held', () => {
    const bomb = zeroBomb(256 * MiB, 'raw');
    const rss = process.resourceUsage().maxRSS;
    const e = expectDecodeError(() => inflate(bomb, 'raw', 200 * MiB), 422, 'image_inflates_too_large');
    expect(process.resourceUsage().maxRSS - rss).toBeLessThan(16 * 1024);
    expect(e.message).toContain(`inflates past ${200 * MiB} bytes`);
  });

  it('a known size (exact) stops at it too, allocating only it', () => {
    const e = expectDecodeError(() => inflateBounded(zeroBomb(256 * MiB), opts('zlib', MiB, 'exact')), 422, 'image_inflates_too_large');
    expect(e.message).toBe(`the test data inflates past ${MiB} bytes, the test limit`);
  });

  it('exactly maxBytes is allowed, one byte more is not', () => {
    const data = corpus()['runs']!;
    const z = new Uint8Array(deflateSync(data));
    expect(inflate(z, 'zlib', data.length).length).toBe(data.length);
    expectDecodeError(() => inflate(z, 'zlib', data.length - 1), 422, 'image_inflates_too_large');
    expectDecodeError(() => inflateBounded(z, opts('zlib', data.length - 1, 'exact')), 422, 'image_inflates_too_large');
    const stored = new Uint8Array(deflateSync(data, { level: 0 }));
    expect(inflate(stored, 'zlib', data.length).length).toBe(data.length);
    expectDecodeError(() => inflate(stored, 'zlib', data.length - 1), 422, 'image_inflates_too_large');
  });
});
