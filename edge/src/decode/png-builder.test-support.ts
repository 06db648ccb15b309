/**
 * Test support for the PNG decoder's tests: a minimal PNG writer (filter 0 rows unless told
 * otherwise, zlib from node, optional Adam7 interlacing) for the flavours upng-js's encoder cannot write (gray 1..16-bit,
 * gray+alpha, 16-bit colour, Adam7, many IDATs, odd ancillary chunks), and the slice as RGBA
 * frames for that encoder. Every image defaults to the real slice of png-slice.test-support.
 */
import { crc32, deflateSync } from 'node:zlib';
import UPNG from 'upng-js';
import { concatBytes } from '../../../shared/concat-bytes.js';
import { at, H, W } from './png-slice.test-support.js';

/** One chunk: length, type, data and the CRC over type and data. */
export function chunk(type: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export const concat = concatBytes;

export const SIG = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Sample c of pixel (x, y), at the PNG's bit depth. */
export type Sample = (x: number, y: number, c: number) => number;

/** Rows of w x h pixels, each prefixed by filter type 0, samples packed MSB first (16-bit big-endian). */
export function packRows(w: number, h: number, channels: number, depth: number, sample: Sample): Uint8Array {
  const stride = Math.ceil((w * channels * depth) / 8);
  const out = new Uint8Array(h * (stride + 1));
  for (let y = 0; y < h; y++) {
    const row = y * (stride + 1) + 1;
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < channels; c++) {
        const v = sample(x, y, c);
        const i = x * channels + c;
        if (depth === 16) (out[row + i * 2] = v >> 8), (out[row + i * 2 + 1] = v & 255);
        else if (depth === 8) out[row + i] = v;
        else out[row + ((i * depth) >> 3)]! |= v << (8 - depth - ((i * depth) & 7));
      }
    }
  }
  return out;
}

/** Paeth predictor (PNG spec 9.4), written here again so the tests do not share the decoder's. */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Rows made by packRows (filter byte 0) filtered with `type(y)` instead (PNG spec 9.2): each
 * byte minus its predictor from the unfiltered bytes to its left (bpp bytes back), above, and
 * above-left.
 */
export function filterRows(rows: Uint8Array, h: number, bitsPerPixel: number, type: (y: number) => number): Uint8Array {
  if (h === 0) return rows;
  const line = rows.length / h;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const out = new Uint8Array(rows.length);
  for (let y = 0; y < h; y++) {
    const row = y * line;
    const t = type(y);
    out[row] = t;
    for (let x = 0; x < line - 1; x++) {
      const i = row + 1 + x;
      const a = x >= bpp ? rows[i - bpp]! : 0;
      const b = y > 0 ? rows[i - line]! : 0;
      const c = x >= bpp && y > 0 ? rows[i - line - bpp]! : 0;
      const pred = t === 1 ? a : t === 2 ? b : t === 3 ? (a + b) >> 1 : t === 4 ? paeth(a, b, c) : 0;
      out[i] = (rows[i]! - pred) & 255;
    }
  }
  return out;
}

/** Adam7's seven passes: x0, y0, dx, dy. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;

/** What buildPng writes; width and height default to the real slice's. */
export interface PngSpec {
  width?: number;
  height?: number;
  colorType: number;
  depth: number;
  sample: Sample;
  plte?: Uint8Array;
  interlace?: boolean;
  /** Chunks inserted before IDAT (tEXt and friends). */
  extra?: Uint8Array[];
  /** Split the zlib stream over this many IDAT chunks. */
  idats?: number;
  /** The filter type of each row (of each Adam7 pass), default 0. */
  filter?: (y: number) => number;
}

/** A whole PNG file: signature, IHDR, PLTE and extra chunks if any, the IDATs, IEND. */
export function buildPng(s: PngSpec): Uint8Array {
  const w = s.width ?? W;
  const h = s.height ?? H;
  const ch = CHANNELS[s.colorType]!;
  const filtered = (rows: Uint8Array, rowCount: number): Uint8Array => (s.filter ? filterRows(rows, rowCount, ch * s.depth, s.filter) : rows);
  let raw: Uint8Array;
  if (!s.interlace) raw = filtered(packRows(w, h, ch, s.depth, s.sample), h);
  else {
    raw = concat(ADAM7.map(([x0, y0, dx, dy]) => {
      const pw = Math.ceil((w - x0) / dx);
      const ph = Math.ceil((h - y0) / dy);
      return pw > 0 && ph > 0 ? filtered(packRows(pw, ph, ch, s.depth, (x, y, c) => s.sample(x0 + x * dx, y0 + y * dy, c)), ph) : new Uint8Array(0);
    }));
  }
  const z = new Uint8Array(deflateSync(raw));
  const n = s.idats ?? 1;
  const step = Math.ceil(z.length / n);
  const idats = Array.from({ length: n }, (_, i) => chunk('IDAT', z.subarray(i * step, (i + 1) * step)));
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, w);
  dv.setUint32(4, h);
  ihdr.set([s.depth, s.colorType, 0, 0, s.interlace ? 1 : 0], 8);
  return concat([SIG, chunk('IHDR', ihdr), ...(s.plte ? [chunk('PLTE', s.plte)] : []), ...(s.extra ?? []), ...idats, chunk('IEND')]);
}

/** The 8-bit slice as RGBA frames for upng-js's encoder (its only input format). */
export function rgbaOf(alpha: (x: number, y: number) => number, tint = false, value = at): ArrayBuffer {
  const rgba = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const v = value(x, y);
    rgba.set(tint ? [v, 255 - v, v >> 1, alpha(x, y)] : [v, v, v, alpha(x, y)], (y * W + x) * 4);
  }
  return rgba.buffer;
}
/** upng-js's encoder, typed with the forbidPlte argument its typings leave out. */
export const upngEncode = UPNG.encode as (frames: ArrayBuffer[], w: number, h: number, colours: number, delays?: number[], forbidPlte?: boolean) => ArrayBuffer;
