/**
 * One scan of a progressive JPEG (T.81 G.1.2): DC first and refinement scans (interleaved or
 * not), AC first and refinement scans (one component each, with end-of-band runs). Only luma
 * coefficients are kept, and of those only the k x k that the reduced-scale IDCT reads; a bitmap
 * per block still records which of all 63 AC coefficients are non-zero, because a refinement
 * scan sends a correction bit for every non-zero coefficient in its band, kept or not.
 */
import { DecodeError } from '../decoded-image.js';
import type { EntropyReader } from './entropy-reader.js';
import type { HuffmanTable } from './huffman-table.js';
import type { Frame, Scan } from './parse-segments.js';
import { restartDue, scanLayout, tableFor } from './scan-layout.js';

/** Luma coefficients held across scans. */
export interface LumaCoefficients {
  /** k x k quantised coefficients per block, row-major inside the block, blocks row by row. */
  values: Int16Array;
  /** Two words per block: bit z (1..63) set once zig-zag coefficient z is non-zero. */
  nonZero: Uint32Array;
  /** Blocks per stored row (whole MCUs, so interleaved scans may write their padding blocks). */
  stride: number;
  k: number;
  /** Zig-zag position to index inside a block's k x k values, -1 where not kept. */
  kept: Int8Array;
}

/** Everything a progressive scan needs besides the bit stream. */
export interface ProgressiveContext {
  frame: Frame;
  luma: number;
  coefficients: LumaCoefficients;
  dcTables: (HuffmanTable | undefined)[];
  acTables: (HuffmanTable | undefined)[];
  restartInterval: number;
}

const corrupt = (message: string): DecodeError => new DecodeError(422, 'image_corrupt', message);

/**
 * Decodes one progressive scan into ctx.coefficients. AC scans of chroma components never get
 * here (the caller skips them unread); interleaved DC scans decode chroma and discard it.
 *
 * @example
 * decodeProgressiveScan(new EntropyReader(bytes, dataStart), scan, ctx);
 */
export function decodeProgressiveScan(reader: EntropyReader, scan: Scan, ctx: ProgressiveContext): void {
  if (scan.ss === 0) decodeDcScan(reader, scan, ctx);
  else decodeAcScan(reader, scan, ctx);
}

function decodeDcScan(reader: EntropyReader, scan: Scan, ctx: ProgressiveContext): void {
  const { values, stride, k } = ctx.coefficients;
  const kk = k * k;
  const layout = scanLayout(ctx.frame, scan, ctx.luma);
  const first = scan.ah === 0;
  const dc = first ? scan.components.map((c) => tableFor(ctx.dcTables, c.dcTable, 'DC')) : [];
  const lumaComponent = ctx.frame.components[ctx.luma]!;
  const preds = new Int32Array(scan.components.length);
  const { blocks, mcusWide, mcusHigh, interleaved } = layout;
  const al = scan.al;
  let mcu = 0;
  for (let my = 0; my < mcusHigh; my++) {
    for (let mx = 0; mx < mcusWide; mx++, mcu++) {
      if (restartDue(reader, mcu, ctx.restartInterval)) preds.fill(0);
      for (let i = 0; i < blocks.length; i++) {
        const b = blocks[i]!;
        let bit = 0;
        if (first) {
          const size = reader.decode(dc[b.slot]!);
          if (size > 16) throw corrupt(`JPEG DC difference claims ${size} bits`);
          preds[b.slot] = preds[b.slot]! + reader.signed(size);
        } else bit = reader.bit();
        if (!b.luma) continue;
        const bx = interleaved ? mx * lumaComponent.h + b.dx : mx;
        const by = interleaved ? my * lumaComponent.v + b.dy : my;
        const at = (by * stride + bx) * kk;
        if (first) values[at] = preds[b.slot]! * (1 << al);
        else if (bit) values[at] = values[at]! | (1 << al);
      }
    }
    reader.checkOverrun();
  }
}

function decodeAcScan(reader: EntropyReader, scan: Scan, ctx: ProgressiveContext): void {
  const co = ctx.coefficients;
  const only = scan.components[0]!;
  const component = ctx.frame.components[only.index]!;
  const ac = tableFor(ctx.acTables, only.acTable, 'AC');
  const state = { eobRun: 0 };
  const refine = scan.ah !== 0;
  // Band mask over the two bitmap words, to pass over blocks with nothing to refine at once.
  let band0 = 0;
  let band1 = 0;
  for (let z = scan.ss; z <= scan.se; z++) {
    if (z < 32) band0 |= 1 << z;
    else band1 |= 1 << (z - 32);
  }
  const interval = ctx.restartInterval;
  const wide = component.blocksWide;
  let mcu = 0;
  for (let by = 0; by < component.blocksHigh; by++) {
    for (let bx = 0; bx < wide; ) {
      if (restartDue(reader, mcu, interval)) state.eobRun = 0;
      if (!refine && state.eobRun > 0) {
        // A first scan's EOB run leaves blocks untouched: pass over it to the row's end or the
        // next restart at once, so a scan of long runs costs its runs, not its blocks.
        let n = Math.min(state.eobRun, wide - bx);
        if (interval > 0) n = Math.min(n, interval - (mcu % interval));
        state.eobRun -= n;
        bx += n;
        mcu += n;
        continue;
      }
      const block = by * co.stride + bx;
      if (!refine) acFirst(reader, ac, scan, co, block, state);
      else if (state.eobRun > 0 && ((co.nonZero[2 * block]! & band0) | (co.nonZero[2 * block + 1]! & band1)) === 0) state.eobRun--;
      else acRefine(reader, ac, scan, co, block, state);
      bx++;
      mcu++;
    }
    reader.checkOverrun();
  }
}

const setNonZero = (nz: Uint32Array, block: number, z: number): void => {
  if (z < 32) nz[2 * block] = nz[2 * block]! | (1 << z);
  else nz[2 * block + 1] = nz[2 * block + 1]! | (1 << (z - 32));
};

const isNonZero = (nz: Uint32Array, block: number, z: number): boolean =>
  z < 32 ? (nz[2 * block]! & (1 << z)) !== 0 : (nz[2 * block + 1]! & (1 << (z - 32))) !== 0;

/** AC first scan, one block not inside an EOB run (G.1.2.2): run/size symbols, EOBRUN for the blocks after. */
function acFirst(r: EntropyReader, ac: HuffmanTable, scan: Scan, co: LumaCoefficients, block: number, state: { eobRun: number }): void {
  const base = block * co.k * co.k;
  for (let z = scan.ss; z <= scan.se; ) {
    const rs = r.decode(ac);
    const run = rs >> 4;
    const size = rs & 15;
    if (size === 0) {
      if (run < 15) {
        // EOBn: this block and 2^run - 1 + (run more bits) after it end here.
        state.eobRun = (1 << run) - 1 + r.bitsValue(run);
        return;
      }
      z += 16;
      continue;
    }
    z += run;
    if (z > scan.se) throw corrupt(`JPEG progressive scan puts a coefficient past its band end ${scan.se}`);
    const value = r.signed(size) * (1 << scan.al);
    setNonZero(co.nonZero, block, z);
    const at = co.kept[z]!;
    if (at >= 0) co.values[base + at] = value;
    z++;
  }
}

/**
 * Applies one correction bit to a coefficient already non-zero: the bit adds 1 << Al away from
 * zero when set and not already there (G.1.2.3). A coefficient the decode drops still has its
 * bit read, to stay in step with the stream.
 */
function correct(r: EntropyReader, co: LumaCoefficients, base: number, z: number, p1: number): void {
  if (r.bit() === 0) return;
  const at = co.kept[z]!;
  if (at < 0) return;
  const v = co.values[base + at]!;
  if ((v & p1) === 0) co.values[base + at] = v >= 0 ? v + p1 : v - p1;
}

/** AC refinement scan, one block (G.1.2.3). */
function acRefine(r: EntropyReader, ac: HuffmanTable, scan: Scan, co: LumaCoefficients, block: number, state: { eobRun: number }): void {
  const p1 = 1 << scan.al;
  const base = block * co.k * co.k;
  const nz = co.nonZero;
  let z = scan.ss;
  if (state.eobRun === 0) {
    while (z <= scan.se) {
      const rs = r.decode(ac);
      let run = rs >> 4;
      const size = rs & 15;
      let value = 0;
      if (size !== 0) {
        if (size !== 1) throw corrupt(`JPEG refinement scan codes a new coefficient with ${size} bits; it must be 1`);
        value = r.bit() ? p1 : -p1;
      } else if (run !== 15) {
        state.eobRun = (1 << run) + r.bitsValue(run);
        break; // the rest of this block is refined below, as part of the run
      }
      // Skip `run` still-zero coefficients, refining the non-zero ones passed on the way (a ZRL skips 16).
      while (z <= scan.se) {
        if (isNonZero(nz, block, z)) correct(r, co, base, z, p1);
        else if (run === 0) break;
        else run--;
        z++;
      }
      if (value !== 0) {
        if (z > scan.se) throw corrupt(`JPEG refinement scan puts a coefficient past its band end ${scan.se}`);
        setNonZero(nz, block, z);
        const at = co.kept[z]!;
        if (at >= 0) co.values[base + at] = value;
      }
      z++;
    }
  }
  if (state.eobRun > 0) {
    // Only the non-zero coefficients left in the band get a bit: visit the set bits, low to high.
    for (let word = z >> 5; word < 2 && z <= scan.se; word++) {
      const from = word === 0 ? z : Math.max(z, 32);
      const to = Math.min(scan.se, word * 32 + 31);
      if (from > to) continue;
      let bits = nz[2 * block + word]! & bandBits(from - word * 32, to - word * 32);
      while (bits !== 0) {
        const low = bits & -bits;
        correct(r, co, base, word * 32 + 31 - Math.clz32(low), p1);
        bits ^= low;
      }
    }
    state.eobRun--;
  }
}

/** Bits from..to (0..31) of a word set. */
const bandBits = (from: number, to: number): number => (to === 31 ? -1 : (1 << (to + 1)) - 1) & ~((1 << from) - 1);
