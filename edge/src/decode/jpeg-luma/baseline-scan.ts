/**
 * One scan of a sequential (baseline or extended Huffman) JPEG, T.81 F.2.2: every block is
 * decoded in full, chroma blocks only to stay in step with the bit stream, luma blocks straight
 * through the scaled IDCT into the output plane, so no coefficient buffer outlives its block.
 */
import { DecodeError } from '../decoded-image.js';
import type { EntropyReader } from './entropy-reader.js';
import type { HuffmanTable } from './huffman-table.js';
import type { Frame, Scan } from './parse-segments.js';
import { restartDue, scanLayout, tableFor } from './scan-layout.js';
import { idctBlock, type PlaneTarget } from './scaled-idct.js';

/** Everything a baseline scan needs besides the bit stream. */
export interface BaselineContext {
  frame: Frame;
  /** Frame component index of Y. */
  luma: number;
  /** Coefficients kept per side (8 / scale denominator). */
  k: number;
  /** Zig-zag position to kept index (keptIndex(k)). */
  kept: Int8Array;
  /** Dequantisation factors of Y's kept coefficients. */
  quant: Float32Array;
  target: PlaneTarget;
  dcTables: (HuffmanTable | undefined)[];
  acTables: (HuffmanTable | undefined)[];
  restartInterval: number;
}

const pastBlock = (): DecodeError => new DecodeError(422, 'image_corrupt', 'JPEG block has more than 64 coefficients');

/** Decodes one block's AC coefficients and throws them away (a chroma block). */
function skipAc(r: EntropyReader, ac: HuffmanTable): void {
  for (let z = 1; z < 64; ) {
    const rs = r.decode(ac);
    const size = rs & 15;
    if (size === 0) {
      if (rs !== 0xf0) return; // EOB
      z += 16; // ZRL: sixteen zeros
      continue;
    }
    z += rs >> 4;
    if (z > 63) throw pastBlock();
    r.bitsValue(size);
    z++;
  }
}

/** Decodes one luma block's AC coefficients into `coef` (kept ones only, dequantised). */
function readAc(r: EntropyReader, ac: HuffmanTable, kept: Int8Array, quant: Float32Array, coef: Float32Array): void {
  for (let z = 1; z < 64; ) {
    const rs = r.decode(ac);
    const size = rs & 15;
    if (size === 0) {
      if (rs !== 0xf0) return;
      z += 16;
      continue;
    }
    z += rs >> 4;
    if (z > 63) throw pastBlock();
    const value = r.signed(size);
    const at = kept[z]!;
    if (at >= 0) coef[at] = value * quant[at]!;
    z++;
  }
}

/**
 * Decodes one sequential scan from `reader`, writing luma samples into ctx.target. Throws only
 * DecodeError (422 image_corrupt / image_truncated) on damaged data.
 *
 * @example
 * decodeBaselineScan(new EntropyReader(bytes, dataStart), scan, ctx);
 */
export function decodeBaselineScan(reader: EntropyReader, scan: Scan, ctx: BaselineContext): void {
  const { k, kept, quant, target } = ctx;
  const layout = scanLayout(ctx.frame, scan, ctx.luma);
  const dc = scan.components.map((c) => tableFor(ctx.dcTables, c.dcTable, 'DC'));
  const ac = scan.components.map((c) => tableFor(ctx.acTables, c.acTable, 'AC'));
  const lumaComponent = ctx.frame.components[ctx.luma]!;
  const preds = new Int32Array(scan.components.length);
  const coef = new Float32Array(k * k);
  const work = new Float64Array(128);
  const { blocks, mcusWide, mcusHigh, interleaved } = layout;
  let mcu = 0;
  for (let my = 0; my < mcusHigh; my++) {
    for (let mx = 0; mx < mcusWide; mx++, mcu++) {
      if (restartDue(reader, mcu, ctx.restartInterval)) preds.fill(0);
      for (let i = 0; i < blocks.length; i++) {
        const b = blocks[i]!;
        const slot = b.slot;
        const size = reader.decode(dc[slot]!);
        if (size > 16) throw new DecodeError(422, 'image_corrupt', `JPEG DC difference claims ${size} bits`);
        const pred = preds[slot]! + reader.signed(size);
        preds[slot] = pred;
        if (!b.luma) {
          skipAc(reader, ac[slot]!);
          continue;
        }
        coef.fill(0);
        coef[0] = pred * quant[0]!;
        readAc(reader, ac[slot]!, kept, quant, coef);
        const bx = interleaved ? mx * lumaComponent.h + b.dx : mx;
        const by = interleaved ? my * lumaComponent.v + b.dy : my;
        idctBlock(coef, k, target, bx * k, by * k, work);
      }
    }
    reader.checkOverrun(); // once a row: a cut file fails fast instead of decoding zeros to the end
  }
}
