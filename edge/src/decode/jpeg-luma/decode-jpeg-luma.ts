/**
 * Decodes the luma (Y) of a JPEG at 1/1, 1/2, 1/4 or 1/8 scale, reading only what that needs:
 * chroma is entropy-decoded where it is interleaved with luma and skipped unread where it has
 * scans of its own, and the IDCT runs on k x k coefficients per block. A 12 MP 4:2:0 photo at
 * 1/2 then costs its 3 MB output (plus 7.5 MB of kept coefficients when progressive) instead of
 * the ~250 MB a full colour decode takes. Huffman-coded 8-bit baseline, extended and progressive
 * JPEG; every failure is a DecodeError. Runtime-neutral (Web APIs only).
 */
import { DEFAULT_MAX_PIXELS, DecodeError } from '../decoded-image.js';
import { walkJpegSegments } from '../jpeg-orientation.js';
import { decodeBaselineScan } from './baseline-scan.js';
import { EntropyReader } from './entropy-reader.js';
import type { HuffmanTable } from './huffman-table.js';
import { adobeTransform, parseFrame, parseHuffmanTables, parseQuantTables, parseRestartInterval, parseScan, type Frame } from './parse-segments.js';
import { decodeProgressiveScan, type LumaCoefficients } from './progressive-scan.js';
import { idctBlock, planeTarget, type PlaneTarget } from './scaled-idct.js';
import { keptQuant } from './scan-layout.js';
import { keptIndex, type ScaleDenominator } from './zigzag.js';

export interface JpegLumaOptions {
  /** Output is 1/scale of the frame per side (rounded up). Default 1. */
  scale?: ScaleDenominator;
  /** Refuse (413) a frame with more pixels than this before allocating. Default DEFAULT_MAX_PIXELS. */
  maxPixels?: number;
}

/** The decoded luma plane. */
export interface JpegLuma {
  /** ceil(frameWidth / scale) x ceil(frameHeight / scale) samples, row by row, as stored (EXIF orientation not applied). */
  width: number;
  height: number;
  /** 8-bit samples, or 12-bit ones in a Uint16Array when `precision` is 12. */
  data: Uint8Array | Uint16Array;
  precision: 8 | 12;
  scale: ScaleDenominator;
  frameWidth: number;
  frameHeight: number;
  progressive: boolean;
}

/**
 * More scans than any encoder writes (libjpeg's progressive script has 10, mozjpeg's a few more);
 * the cap stops a file of thousands of tiny scans from re-walking a large frame for seconds.
 */
export const MAX_SCANS = 256;

const corrupt = (message: string): DecodeError => new DecodeError(422, 'image_corrupt', message);

/** Frame component index of luma, or a 415 for colour models whose first component is not Y. */
function lumaComponent(frame: Frame, adobe: number | undefined): number {
  const n = frame.components.length;
  if (n === 1) return 0;
  if (n === 3) {
    const ids = frame.components.map((c) => c.id);
    const rgbIds = ids[0] === 0x52 && ids[1] === 0x47 && ids[2] === 0x42; // 'R' 'G' 'B', libjpeg's mark for RGB
    if (adobe === 0 || rgbIds) throw new DecodeError(415, 'unsupported_image_kind', 'JPEG stored as RGB (no YCbCr transform) is not supported; send YCbCr or gray JPEG, or PNG');
    return 0; // JFIF: component 1 is Y (JFIF 1.02, "YCbCr")
  }
  throw new DecodeError(415, 'unsupported_image_kind', `JPEG with ${n} colour components (CMYK/YCCK or 2-channel) is not supported; send gray or YCbCr JPEG, or PNG`);
}

/** Nearest-neighbour stretch of a plane that is smaller than the frame (luma sampled below hMax/vMax). */
function stretch(src: PlaneTarget, width: number, height: number): Uint8Array | Uint16Array {
  const out = src.precision === 8 ? new Uint8Array(width * height) : new Uint16Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(src.planeHigh - 1, Math.floor((y * src.planeHigh) / height));
    for (let x = 0; x < width; x++) out[y * width + x] = src.plane[sy * src.planeWide + Math.min(src.planeWide - 1, Math.floor((x * src.planeWide) / width))]!;
  }
  return out;
}

/**
 * Decodes the Y component of a JPEG to 8-bit samples (12-bit for extended 12-bit frames) at 1/scale per side. Throws only
 * DecodeError: 413 image_too_large (over maxPixels), 415 unsupported_image_kind (12-bit,
 * lossless, arithmetic-coded, RGB or CMYK), 422 image_dimensions_invalid / image_truncated /
 * image_corrupt.
 *
 * @example
 * const { width, height, data } = decodeJpegLuma(bytes, { scale: 2 });
 */
export function decodeJpegLuma(bytes: Uint8Array, opts: JpegLumaOptions = {}): JpegLuma {
  const scale = opts.scale ?? 1;
  const k = 8 / scale;
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const quant: (Uint16Array | undefined)[] = [];
  const dcTables: (HuffmanTable | undefined)[] = [];
  const acTables: (HuffmanTable | undefined)[] = [];
  const kept = keptIndex(k);
  let restartInterval = 0;
  let adobe: number | undefined;
  let frame: Frame | undefined;
  let luma = 0;
  let target: PlaneTarget | undefined;
  let coefficients: LumaCoefficients | undefined;
  let lumaQuant: Float32Array | undefined;
  let scans = 0;
  let lumaScans = 0;

  const startFrame = (f: Frame): void => {
    if (f.width * f.height > maxPixels) {
      throw new DecodeError(413, 'image_too_large', `JPEG is ${f.width}x${f.height} = ${f.width * f.height} pixels; the limit is ${maxPixels}`);
    }
    frame = f;
  };

  /** Allocates on the first luma scan, when the colour model (APP14 may follow SOF) is settled. */
  const prepare = (f: Frame): void => {
    if (target) return;
    luma = lumaComponent(f, adobe);
    const c = f.components[luma]!;
    const compWide = Math.ceil((f.width * c.h) / f.hMax);
    const compHigh = Math.ceil((f.height * c.v) / f.vMax);
    const planeWide = Math.ceil((compWide * k) / 8);
    const planeHigh = Math.ceil((compHigh * k) / 8);
    target = planeTarget(planeWide, planeHigh, f.precision === 12 ? 12 : 8);
    if (f.progressive) {
      const stride = f.mcusWide * c.h;
      const blocks = stride * f.mcusHigh * c.v;
      coefficients = { values: new Int16Array(blocks * k * k), nonZero: new Uint32Array(blocks * 2), stride, k, kept };
    }
  };

  const onScan = (start: number, length: number): void => {
    const f = frame;
    if (!f) throw corrupt('JPEG has a scan (SOS) before any frame header (SOF)');
    if (++scans > MAX_SCANS) throw corrupt(`JPEG has more than ${MAX_SCANS} scans`);
    prepare(f);
    const scan = parseScan(bytes, start, length, f);
    if (!scan.components.some((c) => c.index === luma)) return; // a chroma-only scan: skipped unread
    lumaScans++;
    const reader = new EntropyReader(bytes, start + length);
    const tq = f.components[luma]!.tq;
    try {
      if (!f.progressive) {
        const ctx = { frame: f, luma, k, kept, quant: keptQuant(quant[tq], k), target: target!, dcTables, acTables, restartInterval };
        decodeBaselineScan(reader, scan, ctx);
      } else {
        lumaQuant ??= keptQuant(quant[tq], k); // libjpeg too latches the table at the component's first scan
        decodeProgressiveScan(reader, scan, { frame: f, luma, coefficients: coefficients!, dcTables, acTables, restartInterval });
      }
    } catch (err) {
      // Zeros fed past the end of the data decode to nonsense; name the cut, not the nonsense.
      reader.checkOverrun();
      throw err;
    }
    reader.checkOverrun();
  };

  const walk = walkJpegSegments(bytes, (seg) => {
    const { marker, start, length } = seg;
    if (marker === 0xdb) parseQuantTables(bytes, start, length, quant);
    else if (marker === 0xc4) parseHuffmanTables(bytes, start, length, dcTables, acTables);
    else if (marker === 0xdd) restartInterval = parseRestartInterval(bytes, start, length);
    else if (marker === 0xee) adobe = adobeTransform(bytes, start, length) ?? adobe;
    else if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) {
      if (frame) throw corrupt('JPEG has a second frame header (SOF); only single-frame files are supported');
      startFrame(parseFrame(bytes, start, length, marker === 0xc2, marker === 0xc1));
    } else if (marker === 0xda) onScan(start, length);
    else if (marker >= 0xc3 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      throw new DecodeError(
        415,
        'unsupported_image_kind',
        `JPEG frame type SOF${marker - 0xc0} (lossless, hierarchical or arithmetic-coded) is not supported; send baseline or progressive JPEG`,
      );
    } else if (marker === 0xcc) {
      throw new DecodeError(415, 'unsupported_image_kind', 'JPEG with arithmetic coding (DAC) is not supported; send Huffman-coded JPEG');
    }
  });
  if (walk.end === 'truncated') throw new DecodeError(422, 'image_truncated', walk.message);
  if (walk.end === 'corrupt') throw corrupt(walk.message);
  if (!frame) throw corrupt('JPEG has no frame header (SOF0/1/2) before its EOI marker');
  if (!target || lumaScans === 0) throw corrupt('JPEG has no scan of its luma (first) component before its EOI marker');
  const f: Frame = frame;
  if (coefficients && lumaQuant) finishProgressive(coefficients, lumaQuant, f.components[luma]!, target);
  const width = Math.ceil(f.width / scale);
  const height = Math.ceil(f.height / scale);
  const data = target.planeWide === width && target.planeHigh === height ? target.plane : stretch(target, width, height);
  return { width, height, data, precision: target.precision, scale, frameWidth: f.width, frameHeight: f.height, progressive: f.progressive };
}

/** Dequantises the kept coefficients of every luma block and runs the scaled IDCT into the plane. */
function finishProgressive(co: LumaCoefficients, quant: Float32Array, c: { blocksWide: number; blocksHigh: number }, target: PlaneTarget): void {
  const kk = co.k * co.k;
  const coef = new Float32Array(kk);
  const work = new Float64Array(128);
  for (let by = 0; by < c.blocksHigh; by++) {
    for (let bx = 0; bx < c.blocksWide; bx++) {
      const base = (by * co.stride + bx) * kk;
      for (let i = 0; i < kk; i++) coef[i] = co.values[base + i]! * quant[i]!;
      idctBlock(coef, co.k, target, bx * co.k, by * co.k, work);
    }
  }
}
