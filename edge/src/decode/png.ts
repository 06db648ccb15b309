/**
 * PNG uploads to one gray image at full precision: 16-bit gray stays 16-bit, colour becomes
 * luminance. The header is read and the size refused before anything is inflated, and the chunk
 * structure (lengths, CRCs, IEND) is checked here, because upng-js 2.1.0 trusts its input: it
 * reads past the end of a short file, scans a tEXt chunk without its NUL separator until it finds
 * a zero byte (forever when none follows), decodes APNG frames of any claimed size, and returns
 * no pixels and no error for a file cut before IEND. So upng-js only ever sees a rebuilt minimal
 * PNG (IHDR, PLTE, one IDAT, IEND) made from chunks that passed.
 * Runtime-neutral (Web APIs only).
 */
import UPNG from 'upng-js';
import { DEFAULT_MAX_PIXELS, DecodeError, type DecodedImage } from './decoded-image.js';
import { crc32 } from '../../../shared/crc32.js';

export interface PngDecodeOptions {
  /** Refuse (413) when width * height exceeds this. Default DEFAULT_MAX_PIXELS. */
  maxPixels?: number;
  /** Refuse (413) when the inflated sample data would exceed this. Default PNG_MAX_RAW_BYTES. */
  maxRawBytes?: number;
}

/**
 * Inflated sample bytes (rows plus filter bytes) we agree to hold. upng-js with pako peaks at
 * about 3.3-4.7x this (the inflate chunks, their concatenation, the copies of the input; measured
 * on a 4000x4000 8-bit slice), so 16 MiB keeps a decode near 75 MB, inside the 128 MB isolate.
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
const rowBytes = (h: PngHeader, width = h.width): number => Math.ceil((width * CHANNELS[h.colorType]! * h.bitDepth) / 8);

/** Inflated size: every row of every Adam7 pass (PNG spec 8.2) carries one filter byte. */
function rawSize(h: PngHeader): number {
  if (!h.interlaced) return h.height * (rowBytes(h) + 1);
  let total = 0;
  for (const [x0, y0, dx, dy] of [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const) {
    const w = Math.ceil((h.width - x0) / dx);
    const rows = Math.ceil((h.height - y0) / dy);
    if (w > 0 && rows > 0) total += rows * (rowBytes(h, w) + 1);
  }
  return total;
}

/**
 * Walks every chunk after IHDR to IEND: bounds, CRCs (a bad CRC on a critical chunk is an error,
 * on an ancillary one the chunk is dropped, as libpng does), and returns what decoding needs.
 */
function collectChunks(bytes: Uint8Array, h: PngHeader): { idat: Uint8Array[]; idatLength: number; plte?: Uint8Array } {
  const idat: Uint8Array[] = [];
  let idatLength = 0;
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
      idatLength += length;
    } else if (type === 'PLTE') {
      if (plte || idat.length > 0) throw corrupt('PNG has a PLTE chunk after IDAT or more than one PLTE');
      if (length === 0 || length % 3 !== 0 || length > 768) throw corrupt(`PNG PLTE chunk has ${length} bytes; it must hold 1..256 RGB entries`);
      plte = data;
    } else if (critical) {
      throw corrupt(`PNG has a critical chunk ${type} this decoder does not know (or a second IHDR)`);
    }
    off = end;
  }
  if (idatLength === 0) throw corrupt('PNG has no image data (no IDAT chunk)');
  if (h.colorType === 3 && !plte) throw corrupt('palette PNG (colour type 3) has no PLTE chunk');
  return plte ? { idat, idatLength, plte } : { idat, idatLength };
}

/** A PNG upng-js cannot misread: header, palette, all image data in one IDAT, IEND. CRCs unused by upng-js. */
function minimalPng(bytes: Uint8Array, chunks: { idat: Uint8Array[]; idatLength: number; plte?: Uint8Array }): Uint8Array {
  const plteLength = chunks.plte ? chunks.plte.length + 12 : 0;
  const out = new Uint8Array(33 + plteLength + chunks.idatLength + 12 + 12);
  const view = new DataView(out.buffer);
  out.set(bytes.subarray(0, 33));
  let off = 33;
  const chunk = (type: string, parts: Uint8Array[], length: number): void => {
    view.setUint32(off, length);
    for (let i = 0; i < 4; i++) out[off + 4 + i] = type.charCodeAt(i);
    off += 8;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    off += 4;
  };
  if (chunks.plte) chunk('PLTE', [chunks.plte], chunks.plte.length);
  chunk('IDAT', chunks.idat, chunks.idatLength);
  chunk('IEND', [], 0);
  return out;
}

/** What upng-js 2.1.0 really returns (its @types describe a later version). */
interface UpngImage {
  width: number;
  height: number;
  depth: number;
  ctype: number;
  data?: Uint8Array;
}
const upngDecode = UPNG.decode as unknown as (png: Uint8Array) => UpngImage;

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
 * Throws only DecodeError: 413 image_too_large, 422 image_dimensions_invalid / image_corrupt /
 * image_truncated / unsupported_image_kind.
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
  const expected = rawSize(h);
  if (expected > maxRawBytes) {
    throw new DecodeError(413, 'image_too_large', `PNG ${h.width}x${h.height} at ${h.bitDepth} bits x ${CHANNELS[h.colorType]} channels inflates to ${expected} bytes; the limit is ${maxRawBytes}`);
  }
  if (h.interlaced && h.bitDepth === 1) {
    // upng-js 2.1.0 places 1-bit Adam7 pixels with (col & 3) instead of (col & 7): wrong pixels, silently.
    throw new DecodeError(422, 'unsupported_image_kind', 'interlaced 1-bit PNG is not supported; save it without interlacing');
  }
  const chunks = collectChunks(bytes, h);
  // Not bounded here: a zlib stream that inflates far beyond `expected` (a deflate bomb) is
  // inflated whole by pako 1.x, which upng-js gives no output cap; the edge's body-size limit
  // (at most ~1032x expansion) is what bounds it.
  let decoded: UpngImage;
  try {
    decoded = upngDecode(minimalPng(bytes, chunks));
  } catch (err) {
    // pako throws strings ("invalid distance too far back", "incorrect data check").
    throw corrupt(`PNG image data does not inflate: ${err instanceof Error ? err.message : String(err)}`);
  }
  const raw = decoded.data;
  const need = h.interlaced ? h.height * rowBytes(h) : expected;
  // A short zlib stream inflates without error in pako 1.x; upng-js then reads zeros. Only the
  // non-interlaced buffer still shows its inflated length (Adam7 output is always full size).
  if (!raw || raw.length < need) {
    throw truncated(`PNG image data inflates to ${raw?.length ?? 0} bytes; ${h.width}x${h.height} needs ${expected}`);
  }
  try {
    return toGray(raw, h, chunks.plte);
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    throw corrupt(`PNG samples could not be converted: ${err instanceof Error ? err.message : String(err)}`);
  }
}
