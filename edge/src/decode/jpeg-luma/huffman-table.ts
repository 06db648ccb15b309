/**
 * Huffman tables from a DHT segment (ITU T.81 annex C: canonical codes from the 16 code-length
 * counts) in the form the entropy reader wants: a 9-bit look-ahead table that answers most codes
 * in one step, and the per-length code ranges (T.81 F.2.2.3, MAXCODE/MINCODE/VALPTR) for the rest.
 */
import { DecodeError } from '../decoded-image.js';

/** Bits answered by one look-up; longer codes take the per-length path. */
export const LOOKAHEAD_BITS = 9;

/** One decoding table. */
export interface HuffmanTable {
  /** For each 9-bit prefix: (code length << 8) | symbol, or 0 when the code is longer than 9 bits. */
  lookup: Uint16Array;
  /** Largest code of each length 1..16 (index = length), -1 where there is none. */
  maxCode: Int32Array;
  /** Smallest code of each length. */
  minCode: Int32Array;
  /** Index in `symbols` of the first symbol of each length. */
  valPtr: Int32Array;
  /** The symbols in code order. */
  symbols: Uint8Array;
}

/**
 * Builds one table from the 16 counts (codes of length 1..16) and the symbols that follow them.
 * Throws DecodeError 422 image_corrupt when the counts describe more codes than the lengths allow.
 *
 * @example
 * const t = buildHuffmanTable(counts, symbols); // counts.length === 16
 */
export function buildHuffmanTable(counts: Uint8Array, symbols: Uint8Array): HuffmanTable {
  const lookup = new Uint16Array(1 << LOOKAHEAD_BITS);
  const maxCode = new Int32Array(18).fill(-1);
  const minCode = new Int32Array(18);
  const valPtr = new Int32Array(18);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = counts[len - 1]!;
    valPtr[len] = k;
    minCode[len] = code;
    if (n > 0) {
      // A complete code of this length would be 2^len codes; more means the table is not prefix-free.
      if (code + n > 1 << len) {
        throw new DecodeError(422, 'image_corrupt', `JPEG Huffman table has more codes of length ${len} than fit`);
      }
      for (let i = 0; i < n; i++, code++, k++) {
        if (len <= LOOKAHEAD_BITS) {
          const shift = LOOKAHEAD_BITS - len;
          const entry = (len << 8) | symbols[k]!;
          for (let fill = code << shift, end = (code + 1) << shift; fill < end; fill++) lookup[fill] = entry;
        }
      }
      maxCode[len] = code - 1;
    }
    code <<= 1;
  }
  return { lookup, maxCode, minCode, valPtr, symbols };
}
