/**
 * From a PNG's inflated image data to its rows of packed samples: undoes the per-row filters
 * (PNG spec section 9) in place and, for Adam7 images, places the seven passes' pixels (section
 * 8.2). A filter type other than 0..4 is refused with the row it is on, instead of leaving that
 * row as it was sent. Runtime-neutral.
 */
import { paeth } from '../imaging/paeth-predictor.js';
import { DecodeError } from './decoded-image.js';

/** What the scanlines' layout depends on, from IHDR. */
export interface ScanlineLayout {
  width: number;
  height: number;
  /** Bits per pixel: channels x bit depth. */
  bitsPerPixel: number;
  interlaced: boolean;
}

/** Adam7's seven passes: first column, first row, column step, row step (PNG spec 8.2). */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;

/** Bytes per row of packed samples, without the filter byte. */
export const rowBytes = (bitsPerPixel: number, width: number): number => Math.ceil((width * bitsPerPixel) / 8);

/** One pass of an Adam7 image (or the whole image): its size in pixels and rows. */
interface SubImage {
  width: number;
  rows: number;
}

function subImages(l: ScanlineLayout): (SubImage & { pass: readonly [number, number, number, number] | undefined })[] {
  if (!l.interlaced) return [{ width: l.width, rows: l.height, pass: undefined }];
  return ADAM7.map((pass) => ({ width: Math.ceil((l.width - pass[0]) / pass[2]), rows: Math.ceil((l.height - pass[1]) / pass[3]), pass }));
}

/** Inflated size: every row of every non-empty pass carries one filter byte (PNG spec 8.2, 9.1). */
export function scanlineBytes(l: ScanlineLayout): number {
  let total = 0;
  for (const s of subImages(l)) if (s.width > 0 && s.rows > 0) total += s.rows * (rowBytes(l.bitsPerPixel, s.width) + 1);
  return total;
}


/**
 * Unfilters `rows` rows of `stride` bytes starting at `base` in place: each row moves down over
 * the filter bytes before it, so the result is `rows * stride` bytes at `base`. Writing never
 * overtakes reading (row y is written y + 1 bytes before it was read), and the row above is
 * already unfiltered where the filters need it.
 */
function unfilter(buf: Uint8Array, base: number, rows: number, stride: number, bpp: number, where: (row: number) => string): void {
  for (let y = 0; y < rows; y++) {
    const src = base + y * (stride + 1) + 1;
    const dst = base + y * stride;
    const up = dst - stride;
    const type = buf[src - 1]!;
    // Uint8Array stores wrap mod 256: the filter arithmetic of PNG spec 9.2.
    switch (type) {
      case 0:
        buf.copyWithin(dst, src, src + stride);
        break;
      case 1:
        for (let x = 0; x < stride; x++) buf[dst + x] = buf[src + x]! + (x >= bpp ? buf[dst + x - bpp]! : 0);
        break;
      case 2:
        if (y === 0) buf.copyWithin(dst, src, src + stride);
        else for (let x = 0; x < stride; x++) buf[dst + x] = buf[src + x]! + buf[up + x]!;
        break;
      case 3:
        for (let x = 0; x < stride; x++) {
          const left = x >= bpp ? buf[dst + x - bpp]! : 0;
          const above = y > 0 ? buf[up + x]! : 0;
          buf[dst + x] = buf[src + x]! + ((left + above) >> 1);
        }
        break;
      case 4:
        for (let x = 0; x < stride; x++) {
          const left = x >= bpp ? buf[dst + x - bpp]! : 0;
          const above = y > 0 ? buf[up + x]! : 0;
          const upLeft = y > 0 && x >= bpp ? buf[up + x - bpp]! : 0;
          buf[dst + x] = buf[src + x]! + paeth(left, above, upLeft);
        }
        break;
      default:
        throw new DecodeError(422, 'image_corrupt', `PNG ${where(y)} has filter type ${type}; PNG defines filter types 0 to 4 only`);
    }
  }
}

/** Copies one unfiltered Adam7 pass's pixels to their places in the whole image. */
function placePass(pass: Uint8Array, passStride: number, s: SubImage, at: readonly [number, number, number, number], out: Uint8Array, stride: number, bitsPerPixel: number): void {
  const [x0, y0, dx, dy] = at;
  if (bitsPerPixel >= 8) {
    const bytes = bitsPerPixel >> 3;
    for (let py = 0; py < s.rows; py++) {
      const from = py * passStride;
      const to = (y0 + py * dy) * stride;
      for (let px = 0; px < s.width; px++) {
        const f = from + px * bytes;
        const t = to + (x0 + px * dx) * bytes;
        for (let b = 0; b < bytes; b++) out[t + b] = pass[f + b]!;
      }
    }
    return;
  }
  // 1, 2 and 4 bits per pixel (one channel): samples packed from the most significant bit.
  const mask = (1 << bitsPerPixel) - 1;
  for (let py = 0; py < s.rows; py++) {
    const from = py * passStride;
    const to = (y0 + py * dy) * stride;
    for (let px = 0; px < s.width; px++) {
      const bit = px * bitsPerPixel;
      const v = (pass[from + (bit >> 3)]! >> (8 - bitsPerPixel - (bit & 7))) & mask;
      const xBit = (x0 + px * dx) * bitsPerPixel;
      out[to + (xBit >> 3)]! |= v << (8 - bitsPerPixel - (xBit & 7));
    }
  }
}

/**
 * The image's rows of packed samples, `height` rows of rowBytes(bitsPerPixel, width) bytes each,
 * from exactly scanlineBytes(layout) inflated bytes (which a non-interlaced image reuses in place).
 * Throws DecodeError 422 image_corrupt naming the row with an undefined filter type.
 *
 * @example const rows = unfilterScanlines(inflated, { width, height, bitsPerPixel: 8, interlaced: false });
 */
export function unfilterScanlines(data: Uint8Array, l: ScanlineLayout): Uint8Array {
  const bpp = Math.max(1, l.bitsPerPixel >> 3);
  if (!l.interlaced) {
    unfilter(data, 0, l.height, rowBytes(l.bitsPerPixel, l.width), bpp, (y) => `row ${y} (of rows 0..${l.height - 1})`);
    return data;
  }
  const stride = rowBytes(l.bitsPerPixel, l.width);
  const out = new Uint8Array(l.height * stride);
  let base = 0;
  subImages(l).forEach((s, i) => {
    if (s.width <= 0 || s.rows <= 0) return; // an empty pass has no rows and no filter bytes
    const passStride = rowBytes(l.bitsPerPixel, s.width);
    unfilter(data, base, s.rows, passStride, bpp, (y) => `Adam7 pass ${i + 1}, row ${y} (of rows 0..${s.rows - 1})`);
    placePass(data.subarray(base), passStride, s, s.pass!, out, stride, l.bitsPerPixel);
    base += s.rows * (passStride + 1);
  });
  return out;
}
