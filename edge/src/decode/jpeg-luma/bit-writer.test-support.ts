/**
 * Test support: writes entropy-coded bytes the way an encoder does (most significant bit first,
 * a stuffed 0x00 after every 0xFF, the last byte padded with ones), so the reader's tests can
 * state their input as bit strings.
 */
export class BitWriter {
  private readonly out: number[] = [];
  private acc = 0;
  private bits = 0;

  /** Appends a string of '0' and '1' (spaces allowed for readability). */
  put(bitString: string): this {
    for (const ch of bitString) {
      if (ch === ' ') continue;
      this.acc = (this.acc << 1) | (ch === '1' ? 1 : 0);
      if (++this.bits === 8) this.flushByte();
    }
    return this;
  }

  /** Appends raw bytes (a marker) after padding the current byte with ones. */
  raw(...bytes: number[]): this {
    this.pad();
    this.out.push(...bytes);
    return this;
  }

  /** The bytes so far, the last one padded with ones. */
  bytes(): Uint8Array {
    this.pad();
    return Uint8Array.from(this.out);
  }

  private pad(): void {
    while (this.bits !== 0) this.put('1');
  }

  private flushByte(): void {
    this.out.push(this.acc);
    if (this.acc === 0xff) this.out.push(0x00);
    this.acc = 0;
    this.bits = 0;
  }
}
