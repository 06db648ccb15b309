/**
 * Bounds-checked reads over an upload's bytes. Every length in a DICOM file comes from the file
 * itself, so every read is checked here and a short file ends as one clear 422 naming the offset
 * and what was being read, never as a RangeError from DataView.
 */
import { DecodeError } from '../decoded-image.js';

export class ByteReader {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    /** Byte order of multi-byte numbers: PS3.5 section 7.3 (little endian except explicit VR big endian). */
    readonly littleEndian: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  /** The same bytes read in another byte order (the file meta group is always little endian). */
  withByteOrder(littleEndian: boolean): ByteReader {
    return littleEndian === this.littleEndian ? this : new ByteReader(this.bytes, littleEndian);
  }

  /** Whether `count` bytes exist at `offset`. */
  has(offset: number, count: number): boolean {
    return Number.isSafeInteger(offset) && Number.isSafeInteger(count) && offset >= 0 && count >= 0 && offset + count <= this.bytes.length;
  }

  /**
   * Throws 422 image_truncated unless `count` bytes exist at `offset`.
   * @example reader.need(offset, 8, 'element header') // "element header at offset 9624 needs 8 bytes, the file ends at 9630"
   */
  need(offset: number, count: number, what: string): void {
    if (!this.has(offset, count)) {
      throw new DecodeError(
        422,
        'image_truncated',
        `${what} at offset ${offset} needs ${count} bytes, but the file ends at ${this.bytes.length}`,
      );
    }
  }

  uint16(offset: number, what: string): number {
    this.need(offset, 2, what);
    return this.view.getUint16(offset, this.littleEndian);
  }

  uint32(offset: number, what: string): number {
    this.need(offset, 4, what);
    return this.view.getUint32(offset, this.littleEndian);
  }

  /** A view (no copy) of `count` bytes at `offset`. */
  slice(offset: number, count: number, what: string): Uint8Array {
    this.need(offset, count, what);
    return this.bytes.subarray(offset, offset + count);
  }

  /** Bytes as 8-bit characters (DICOM's header strings are ASCII or ISO 8859 supersets of it). */
  latin1(offset: number, count: number, what: string): string {
    const bytes = this.slice(offset, count, what);
    let text = '';
    for (const byte of bytes) text += String.fromCharCode(byte);
    return text;
  }
}
