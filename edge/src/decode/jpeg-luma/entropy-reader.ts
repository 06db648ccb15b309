/**
 * Reads the entropy-coded data of one scan bit by bit: removes the stuffed zero after each 0xFF
 * (T.81 B.1.1.5), decodes Huffman symbols, and steps over RSTn markers at restart intervals.
 * At a marker or the end of the file it feeds zero bits, as libjpeg does, but counts them: a
 * scan that needed any of them was cut short or damaged, and `checkOverrun` turns that into a
 * DecodeError instead of a silently gray image.
 */
import { DecodeError } from '../decoded-image.js';
import { LOOKAHEAD_BITS, type HuffmanTable } from './huffman-table.js';

const LOOKAHEAD_MASK = (1 << LOOKAHEAD_BITS) - 1;

/** Bit reader over one scan's entropy-coded segment(s). */
export class EntropyReader {
  /** Up to 32 unread bits, the oldest highest. */
  private acc = 0;
  private bits = 0;
  /** Zero bits fed in place of data (at a marker or the file's end); they sit lowest in `acc`. */
  private pad = 0;
  /** Whether the zeros came from the end of the file (truncated) rather than a marker (corrupt). */
  private hitEnd = false;
  private pos: number;

  constructor(
    private readonly data: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }

  /** Tops the buffer up to at least 25 bits. */
  private fill(): void {
    const data = this.data;
    while (this.bits <= 24) {
      let byte = 0;
      const p = this.pos;
      if (p >= data.length) {
        this.hitEnd = true;
        this.pad += 8;
      } else {
        byte = data[p]!;
        if (byte !== 0xff) this.pos = p + 1;
        else if (data[p + 1] === 0x00) this.pos = p + 2;
        else {
          // A marker (or the file ends right after 0xFF): stay in front of it and feed zeros.
          if (p + 1 >= data.length) this.hitEnd = true;
          byte = 0;
          this.pad += 8;
        }
      }
      this.acc = (this.acc << 8) | byte;
      this.bits += 8;
    }
  }

  /** Next Huffman symbol. Throws DecodeError 422 image_corrupt on a code the table lacks. */
  decode(table: HuffmanTable): number {
    if (this.bits < 16) this.fill();
    const peek = (this.acc >>> (this.bits - LOOKAHEAD_BITS)) & LOOKAHEAD_MASK;
    const entry = table.lookup[peek]!;
    if (entry !== 0) {
      this.bits -= entry >> 8;
      return entry & 0xff;
    }
    for (let len = LOOKAHEAD_BITS + 1; len <= 16; len++) {
      const code = (this.acc >>> (this.bits - len)) & ((1 << len) - 1);
      if (code <= table.maxCode[len]!) {
        this.bits -= len;
        return table.symbols[table.valPtr[len]! + code - table.minCode[len]!]!;
      }
    }
    throw new DecodeError(422, 'image_corrupt', 'JPEG scan data holds a bit pattern that is no code of its Huffman table');
  }

  /** `n` raw bits (0..16) as an unsigned number. */
  bitsValue(n: number): number {
    if (n === 0) return 0;
    if (this.bits < n) this.fill();
    this.bits -= n;
    return (this.acc >>> this.bits) & ((1 << n) - 1);
  }

  /** One raw bit. */
  bit(): number {
    if (this.bits < 1) this.fill();
    this.bits--;
    return (this.acc >>> this.bits) & 1;
  }

  /** RECEIVE then EXTEND (T.81 F.2.2.1): `size` bits as a signed coefficient value. */
  signed(size: number): number {
    if (size === 0) return 0;
    const v = this.bitsValue(size);
    return v < 1 << (size - 1) ? v - (1 << size) + 1 : v;
  }

  /**
   * Throws when the decode consumed bits that were not in the file: 422 image_truncated when the
   * file ended, image_corrupt when a marker came first (the scan holds fewer MCUs than it must).
   */
  checkOverrun(): void {
    if (this.bits >= this.pad) return;
    if (this.hitEnd) throw new DecodeError(422, 'image_truncated', 'JPEG ends inside its compressed image data');
    throw new DecodeError(422, 'image_corrupt', `JPEG scan data stops at a marker near byte ${this.pos} before its last block`);
  }

  /**
   * Ends one restart interval: drops the bits left in the byte, finds the next marker and
   * requires it to be RST<expected % 8> (T.81 E.1.4). Throws DecodeError otherwise.
   */
  restart(expected: number): void {
    this.checkOverrun();
    this.acc = 0;
    this.bits = 0;
    this.pad = 0;
    const data = this.data;
    let p = this.pos;
    // Encoders pad the interval's last byte with ones; anything more is junk we step over.
    while (p + 1 < data.length && !(data[p] === 0xff && data[p + 1] !== 0x00)) p++;
    while (p + 1 < data.length && data[p + 1] === 0xff) p++; // fill bytes before the marker
    if (p + 1 >= data.length) throw new DecodeError(422, 'image_truncated', 'JPEG ends inside its compressed image data, before a restart marker');
    const marker = data[p + 1]!;
    const want = 0xd0 + (expected & 7);
    if (marker !== want) {
      throw new DecodeError(422, 'image_corrupt', `JPEG restart marker FF ${want.toString(16)} expected at byte ${p}, found FF ${marker.toString(16)}`);
    }
    this.pos = p + 2;
  }
}
