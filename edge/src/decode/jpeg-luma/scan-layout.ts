/**
 * What baseline and progressive scans share: the order blocks come in (T.81 A.2: one block per
 * MCU in a single-component scan, each component's h x v blocks per MCU when interleaved), the
 * restart interval bookkeeping, and the decode state of the luma plane being built.
 */
import { DecodeError } from '../decoded-image.js';
import type { EntropyReader } from './entropy-reader.js';
import type { HuffmanTable } from './huffman-table.js';
import type { Frame, Scan } from './parse-segments.js';

/** One block position inside an MCU. */
export interface McuBlock {
  /** Index into Scan.components. */
  slot: number;
  /** Whether the block belongs to the luma component (the only one whose samples we keep). */
  luma: boolean;
  /** Offset of the block inside its component's part of the MCU, in blocks. */
  dx: number;
  dy: number;
}

/** The block order of one scan. */
export interface ScanLayout {
  mcusWide: number;
  mcusHigh: number;
  blocks: McuBlock[];
  /** In a single-component scan MCUs are blocks, so a block's position is the MCU's. */
  interleaved: boolean;
}

/**
 * The MCU grid and per-MCU blocks of a scan. `luma` is the frame component index of Y.
 *
 * @example
 * const layout = scanLayout(frame, scan, 0);
 */
export function scanLayout(frame: Frame, scan: Scan, luma: number): ScanLayout {
  if (scan.components.length === 1) {
    const only = scan.components[0]!;
    const c = frame.components[only.index]!;
    return { mcusWide: c.blocksWide, mcusHigh: c.blocksHigh, interleaved: false, blocks: [{ slot: 0, luma: only.index === luma, dx: 0, dy: 0 }] };
  }
  const blocks: McuBlock[] = [];
  scan.components.forEach((sc, slot) => {
    const c = frame.components[sc.index]!;
    for (let dy = 0; dy < c.v; dy++) for (let dx = 0; dx < c.h; dx++) blocks.push({ slot, luma: sc.index === luma, dx, dy });
  });
  return { mcusWide: frame.mcusWide, mcusHigh: frame.mcusHigh, interleaved: true, blocks };
}

/**
 * Calls `reader.restart` before MCU `mcu` when a restart interval ends there; returns true when it
 * did, so the caller resets its DC predictors and EOB run (T.81 E.1.4, G.1.2.2).
 *
 * @example
 * if (restartDue(reader, mcu, interval)) preds.fill(0);
 */
export function restartDue(reader: EntropyReader, mcu: number, interval: number): boolean {
  if (interval === 0 || mcu === 0 || mcu % interval !== 0) return false;
  reader.restart(mcu / interval - 1);
  return true;
}

/** The Huffman table a scan selects, or a DecodeError when no DHT defined it. */
export function tableFor(tables: (HuffmanTable | undefined)[], id: number, kind: 'DC' | 'AC'): HuffmanTable {
  const t = tables[id];
  if (!t) throw new DecodeError(422, 'image_corrupt', `JPEG scan uses ${kind} Huffman table ${id}, which no DHT segment defined`);
  return t;
}

/** Dequantisation factors for the kept k x k coefficients (row-major), from a natural-order table. */
export function keptQuant(table: Uint16Array | undefined, k: number): Float32Array {
  if (!table) throw new DecodeError(422, 'image_corrupt', 'JPEG luma scan uses a quantisation table that no DQT segment defined');
  const q = new Float32Array(k * k);
  for (let row = 0; row < k; row++) for (let col = 0; col < k; col++) q[row * k + col] = table[row * 8 + col]!;
  return q;
}
