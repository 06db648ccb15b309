/**
 * Test support: decompression bombs made with node's own zlib, so the streams are ones any real
 * inflater accepts: zeros deflated at level 9 (about 1030:1, deflate's ceiling), wrapped as a PNG
 * whose IHDR is small and honest about its size. Zeros are valid PNG rows (filter type 0, black
 * pixels), so only the amount of data is wrong. Each size is deflated once per test file.
 */
import { deflateRawSync, deflateSync } from 'node:zlib';
import { chunk, concat, SIG } from './png-builder.test-support.js';

export const MiB = 1024 * 1024;

const zlibCache = new Map<string, Uint8Array>();

/** `inflatedBytes` zero bytes deflated at level 9: a zlib stream, or raw deflate (RFC 1951) for DICOM. */
export function zeroBomb(inflatedBytes: number, format: 'zlib' | 'raw' = 'zlib'): Uint8Array {
  const key = `${format}:${inflatedBytes}`;
  let z = zlibCache.get(key);
  if (!z) {
    // Buffer.alloc of zeros is calloc'd: the pages are never touched, so this costs CPU, not memory.
    const zeros = Buffer.alloc(inflatedBytes);
    z = new Uint8Array(format === 'zlib' ? deflateSync(zeros, { level: 9 }) : deflateRawSync(zeros, { level: 9 }));
    zlibCache.set(key, z);
  }
  return z;
}

/**
 * An 8-bit gray PNG of `width` x `height` whose one IDAT inflates to `inflatedBytes` (far more
 * than the height * (width + 1) bytes its IHDR allows, or the Adam7 passes' sum when interlaced).
 *
 * @example const bomb = pngBomb(512, 512, 256 * MiB); // ~260 KB upload, 256 MiB inflated
 */
export function pngBomb(width: number, height: number, inflatedBytes: number, interlaced = false): Uint8Array {
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // gray
  ihdr[12] = interlaced ? 1 : 0;
  return concat([SIG, chunk('IHDR', ihdr), chunk('IDAT', zeroBomb(inflatedBytes)), chunk('IEND')]);
}
