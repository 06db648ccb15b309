/**
 * PNG uploads to one gray image at full precision: 16-bit gray stays 16-bit, colour becomes
 * luminance. The header is read and the size refused before anything is inflated; the chunk
 * structure (lengths, CRCs, IEND) is checked; the image data is inflated by bounded-inflate,
 * which stops at the first byte past what IHDR declares, so a decompression bomb (a ~1 MB IDAT
 * inflating to 1 GiB) costs at most the declared size; and the rows are unfiltered here, refusing
 * filter types PNG does not define. upng-js is not used for decoding: it inflated with pako 1.x,
 * whose output has no limit, and left a row with an unknown filter type as it was sent.
 * Runtime-neutral (Web APIs only).
 */
import { inflateBounded } from './bounded-inflate.js';
import { DEFAULT_MAX_PIXELS, DecodeError, type DecodedImage } from './decoded-image.js';
import { rowBytes as packedRowBytes, scanlineBytes, unfilterScanlines, type ScanlineLayout } from './png-scanlines.js';
import { concatBytes } from '../../../shared/concat-bytes.js';
import { crc32 } from '../../../shared/crc32.js';

export interface PngDecodeOptions {
  /** Refuse (413) when width * height exceeds this. Default DEFAULT_MAX_PIXELS. */
  maxPixels?: number;
  /** Refuse (413) when the inflated sample data would exceed this. Default PNG_MAX_RAW_BYTES. */
  maxRawBytes?: number;
}

/**
 * Inflated sample bytes (rows plus filter bytes) we agree to hold. Chosen when upng-js with pako
 * peaked at 3.3-4.7x this (about 75 MB, inside the 128 MB isolate); the decode now holds the
 * inflated bytes once, unfiltered in place, plus the gray result (and the whole image for Adam7).
 * It admits 4000x4000 8-bit gray, 2800x2800 16-bit gray, 2300x2300 RGB.
 */
export const PNG_MAX_RAW_BYTES = 16 * 1024 * 1024;

/** Our own per-side limit (PNG allows 2^31-1): nothing medical is wider, and it bounds arithmetic. */
const MAX_SIDE = 65535;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

/** Allowed bit depths per colour type (PNG spec, table 11.1). */
const DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16], // gray
  2: [8, 16], // RGB
  3: [1, 2, 4, 8], // palette
  4: [8, 16], // gray + alpha
  6: [8, 16], // RGBA
};
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
}

const u32be = (b: Uint8Array, at: number): number => b[at]! * 2 ** 24 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
const chunkType = (b: Uint8Array, at: number): string => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
const corrupt = (message: string): DecodeError => new DecodeError(422, 'image_corrupt', message);
const truncated = (message: string): DecodeError => new DecodeError(422, 'image_truncated', message);

/**
 * Signature and IHDR only (the first 33 bytes): what the file claims, checked for consistency
 * but not yet against any size limit. Throws DecodeError 422.
 *
 * @example
 * const { width, height } = readPngHeader(bytes);
 */
export function readPngHeader(bytes: Uint8Array): PngHeader {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw corrupt('not a PNG: the 8-byte PNG signature is missing');
  if (bytes.length < 33) throw truncated(`PNG ends at byte ${bytes.length}, inside its IHDR chunk`);
  if (chunkType(bytes, 12) !== 'IHDR' || u32be(bytes, 8) !== 13) throw corrupt('PNG does not start with a 13-byte IHDR chunk');
  if (crc32(bytes, 12, 29) !== u32be(bytes, 29)) throw corrupt('PNG IHDR chunk fails its CRC check');
  const header: PngHeader = {
    width: u32be(bytes, 16),
    height: u32be(bytes, 20),
    bitDepth: bytes[24]!,
    colorType: bytes[25]!,
    interlaced: bytes[28] === 1,
  };
  if (!DEPTHS[header.colorType]?.includes(header.bitDepth)) {
    throw corrupt(`PNG IHDR has colour type ${header.colorType} with bit depth ${header.bitDepth}, not a valid PNG combination`);
  }
  if (bytes[26] !== 0 || bytes[27] !== 0 || bytes[28]! > 1) {
    throw corrupt(`PNG IHDR has compression ${bytes[26]}, filter ${bytes[27]}, interlace ${bytes[28]}; PNG defines only 0, 0 and 0/1`);
  }
  return header;
}

/** Bytes per row of packed samples, without the filter byte. */
const rowBytes = (h: PngHeader): number => packedRowBytes(CHANNELS[h.colorType]! * h.bitDepth, h.width);

const layout = (h: PngHeader): ScanlineLayout => ({ width: h.width, height: h.height, bitsPerPixel: CHANNELS[h.colorType]! * h.bitDepth, interlaced: h.interlaced });

/**
 * Walks every chunk after IHDR to IEND: bounds, CRCs (a bad CRC on a critical chunk is an error,
 * on an ancillary one the chunk is dropped, as libpng does), and returns what decoding needs.
 */
function collectChunks(bytes: Uint8Array, h: PngHeader): { idat: Uint8Array[]; plte?: Uint8Array } {
  const idat: Uint8Array[] = [];
  let plte: Uint8Array | undefined;
  let off = 33;
  for (;;) {
    if (off + 12 > bytes.length) throw truncated(`PNG ends at byte ${bytes.length} before its IEND chunk`);
    const length = u32be(bytes, off);
    const type = chunkType(bytes, off + 4);
    if (length > 0x7fffffff || !/^[A-Za-z]{4}$/.test(type)) throw corrupt(`PNG chunk at byte ${off} has an invalid type or length`);
    const dataStart = off + 8;
    const end = dataStart + length + 4;
    if (end > bytes.length) throw truncated(`PNG chunk ${type} at byte ${off} declares ${length} bytes but the file ends at byte ${bytes.length}`);
    const critical = type.charCodeAt(0) < 0x61;
    if (crc32(bytes, off + 4, dataStart + length) !== u32be(bytes, dataStart + length)) {
      if (critical) throw corrupt(`PNG chunk ${type} at byte ${off} fails its CRC check`);
      off = end;
      continue;
    }
    const data = bytes.subarray(dataStart, dataStart + length);
    if (type === 'IEND') break;
    if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'PLTE') {
      if (plte || idat.length > 0) throw corrupt('PNG has a PLTE chunk after IDAT or more than one PLTE');
      if (length === 0 || length % 3 !== 0 || length > 768) throw corrupt(`PNG PLTE chunk has ${length} bytes; it must hold 1..256 RGB entries`);
      plte = data;
    } else if (critical) {
      throw corrupt(`PNG has a critical chunk ${type} this decoder does not know (or a second IHDR)`);
    }
    off = end;
  }
  if (idat.every((c) => c.length === 0)) throw corrupt('PNG has no image data (no IDAT chunk, or only empty ones)');
  if (h.colorType === 3 && !plte) throw corrupt('palette PNG (colour type 3) has no PLTE chunk');
  return plte ? { idat, plte } : { idat };
}

/** ITU-R BT.601 luma exactly as PIL's convert('L'): (R*19595 + G*38470 + B*7471 + 0x8000) >> 16. */
const luma = (r: number, g: number, b: number): number => (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;

/** Unfiltered rows (stride = rowBytes) to one gray image; alpha and tRNS are ignored. */
function toGray(raw: Uint8Array, h: PngHeader, plte: Uint8Array | undefined): DecodedImage {
  const { width: w, height: ht, bitDepth: depth, colorType } = h;
  const stride = rowBytes(h);
  const n = w * ht;
  const channels = CHANNELS[colorType]!;
  if (depth === 16) {
    const out = new Uint16Array(n);
    let o = 0;
    for (let y = 0; y < ht; y++) {
      const row = y * stride;
      for (let x = 0; x < w; x++, o++) {
        const p = row + x * channels * 2; // samples are big-endian (PNG spec 7.1)
        const s0 = (raw[p]! << 8) | raw[p + 1]!;
        out[o] = channels >= 3 ? luma(s0, (raw[p + 2]! << 8) | raw[p + 3]!, (raw[p + 4]! << 8) | raw[p + 5]!) : s0;
      }
    }
    return { kind: 'gray', width: w, height: ht, data: out, bitDepth: 16 };
  }
  if (depth === 8 && colorType === 0) return { kind: 'gray', width: w, height: ht, data: raw.subarray(0, n), bitDepth: 8 };
  const out = new Uint8Array(n);
  if (depth === 8 && colorType !== 3) {
    let o = 0;
    for (let y = 0; y < ht; y++) {
      for (let x = 0, p = y * stride; x < w; x++, o++, p += channels) {
        out[o] = channels >= 3 ? luma(raw[p]!, raw[p + 1]!, raw[p + 2]!) : raw[p]!;
      }
    }
    return { kind: 'gray', width: w, height: ht, data: out, bitDepth: 8 };
  }
  // Packed samples (1/2/4-bit gray or palette) and 8-bit palette: through a lookup table.
  const levels = 1 << depth;
  const lut = new Int16Array(256).fill(-1);
  if (colorType === 3) {
    for (let i = 0; i * 3 < plte!.length; i++) lut[i] = luma(plte![i * 3]!, plte![i * 3 + 1]!, plte![i * 3 + 2]!);
  } else {
    for (let v = 0; v < levels; v++) lut[v] = Math.round((v * 255) / (levels - 1)); // 1-bit x255, 2-bit x85, 4-bit x17
  }
  const mask = levels - 1;
  let o = 0;
  for (let y = 0; y < ht; y++) {
    const row = y * stride;
    for (let x = 0; x < w; x++, o++) {
      const bit = x * depth;
      const v = (raw[row + (bit >> 3)]! >> (8 - depth - (bit & 7))) & mask;
      const g = lut[v]!;
      if (g < 0) throw corrupt(`PNG pixel (${x}, ${y}) uses palette index ${v}, beyond its ${plte!.length / 3}-entry PLTE`);
      out[o] = g;
    }
  }
  return { kind: 'gray', width: w, height: ht, data: out, bitDepth: 8 };
}

/**
 * Decodes a PNG upload to one gray image. 8/16-bit gray keeps its samples exactly (16-bit in a
 * Uint16Array); 1/2/4-bit gray is scaled to 8 bits; gray+alpha keeps its gray and drops alpha
 * (a slice's alpha carries no intensity; compositing would invent values); RGB/RGBA/palette
 * become BT.601 luma as PIL computes it, 8-bit, or 16-bit for 16-bit RGB(A).
 * Throws only DecodeError: 413 image_too_large (IHDR past maxPixels or maxRawBytes), 422
 * image_dimensions_invalid / image_corrupt (also an undefined row filter type, naming the row) /
 * image_truncated / image_inflates_too_large (image data inflating past what IHDR declares).
 *
 * @example
 * const image = decodePng(new Uint8Array(await request.arrayBuffer()));
 */
export function decodePng(bytes: Uint8Array, opts: PngDecodeOptions = {}): DecodedImage {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxRawBytes = opts.maxRawBytes ?? PNG_MAX_RAW_BYTES;
  const h = readPngHeader(bytes);
  if (h.width === 0 || h.height === 0 || h.width > MAX_SIDE || h.height > MAX_SIDE) {
    throw new DecodeError(422, 'image_dimensions_invalid', `PNG claims ${h.width}x${h.height}; each side must be 1..${MAX_SIDE}`);
  }
  if (h.width * h.height > maxPixels) {
    throw new DecodeError(413, 'image_too_large', `PNG is ${h.width}x${h.height} = ${h.width * h.height} pixels; the limit is ${maxPixels}`);
  }
  const expected = scanlineBytes(layout(h));
  if (expected > maxRawBytes) {
    throw new DecodeError(413, 'image_too_large', `PNG ${h.width}x${h.height} at ${h.bitDepth} bits x ${CHANNELS[h.colorType]} channels inflates to ${expected} bytes; the limit is ${maxRawBytes}`);
  }
  const chunks = collectChunks(bytes, h);
  const zlib = chunks.idat.length === 1 ? chunks.idat[0]! : concatBytes(chunks.idat);
  // Exactly `expected` bytes are allocated and no byte past them is inflated: anything more is a
  // file contradicting its own IHDR (a bomb, or damage), refused at that byte.
  const { bytes: raw } = inflateBounded(zlib, {
    format: 'zlib',
    maxBytes: expected,
    size: 'exact',
    what: 'PNG image data',
    limit: { status: 422, reason: `what its IHDR declares (${h.width}x${h.height}${h.interlaced ? ' Adam7' : ''}, ${h.bitDepth} bits x ${CHANNELS[h.colorType]} channels, with one filter byte per row)` },
  });
  if (raw.length < expected) {
    throw truncated(`PNG image data inflates to ${raw.length} bytes; ${h.width}x${h.height} needs ${expected}`);
  }
  return toGray(unfilterScanlines(raw, layout(h)), h, chunks.plte);
}
