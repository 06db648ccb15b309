/**
 * Huffman tables: the canonical codes of T.81 annex C for the standard luminance DC table
 * (K.3.3.1, whose codes the standard prints), long codes that take the slow path, and counts
 * that describe more codes than fit.
 */
import { describe, expect, it } from 'vitest';
import { BitWriter } from './bit-writer.test-support.js';
import { EntropyReader } from './entropy-reader.js';
import { buildHuffmanTable } from './huffman-table.js';
import { expectDecodeError } from '../expect-decode-error.test-support.js';

const counts = (lengths: number[]): Uint8Array => Uint8Array.from({ length: 16 }, (_, i) => lengths[i] ?? 0);

/** T.81 table K.3: luminance DC difference categories 0..11 and their printed codes. */
const DC_LUMA = buildHuffmanTable(counts([0, 1, 5, 1, 1, 1, 1, 1, 1]), Uint8Array.from({ length: 12 }, (_, i) => i));
const DC_LUMA_CODES = ['00', '010', '011', '100', '101', '110', '1110', '11110', '111110', '1111110', '11111110', '111111110'];

describe('buildHuffmanTable', () => {
  it("decodes every code of T.81's luminance DC table to its category", () => {
    const w = new BitWriter();
    const order = [0, 11, 5, 1, 10, 2, 9, 3, 8, 4, 7, 6, 0, 11];
    for (const s of order) w.put(DC_LUMA_CODES[s]!);
    const r = new EntropyReader(w.bytes(), 0);
    expect(order.map(() => r.decode(DC_LUMA))).toEqual(order);
    r.checkOverrun();
  });

  it('decodes codes of every length 1..16, past the 9-bit look-up, across stuffed 0xFF bytes', () => {
    // One code per length: 0, 10, 110, ..., fifteen ones then 0 (length 16); symbol = length.
    const table = buildHuffmanTable(counts(Array(16).fill(1)), Uint8Array.from({ length: 16 }, (_, i) => i + 1));
    const code = (len: number): string => (len === 16 ? '1'.repeat(15) + '0' : '1'.repeat(len - 1) + '0');
    const order = [16, 1, 9, 10, 15, 2, 12, 16, 16, 3, 11, 14, 13, 4, 5, 6, 7, 8];
    const w = new BitWriter();
    for (const len of order) w.put(code(len));
    const bytes = w.bytes();
    expect(bytes.some((b, i) => b === 0xff && bytes[i + 1] === 0)).toBe(true);
    const r = new EntropyReader(bytes, 0);
    expect(order.map(() => r.decode(table))).toEqual(order);
  });

  it('refuses counts that describe more codes of a length than fit (422 image_corrupt)', () => {
    expectDecodeError(() => buildHuffmanTable(counts([3]), Uint8Array.of(1, 2, 3)), 422, 'image_corrupt');
    expectDecodeError(() => buildHuffmanTable(counts([1, 2, 2]), Uint8Array.of(1, 2, 3, 4, 5)), 422, 'image_corrupt');
  });

  it('refuses a bit pattern that is no code of the table', () => {
    const table = buildHuffmanTable(counts([0, 2]), Uint8Array.of(7, 8)); // codes 00 and 01 only
    const r = new EntropyReader(new BitWriter().put('00 01 1111111111111111 0000').bytes(), 0);
    expect([r.decode(table), r.decode(table)]).toEqual([7, 8]);
    expectDecodeError(() => r.decode(table), 422, 'image_corrupt');
  });
});
