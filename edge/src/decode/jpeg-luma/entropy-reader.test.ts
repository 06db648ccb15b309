/**
 * The bit reader on hand-written bit streams: RECEIVE/EXTEND (T.81 F.2.2.1), byte stuffing,
 * restart markers, and the difference between a scan cut by the end of the file (truncated) and
 * one that stops at a marker too early (corrupt).
 */
import { describe, expect, it } from 'vitest';
import { BitWriter } from './bit-writer.test-support.js';
import { EntropyReader } from './entropy-reader.js';
import { expectDecodeError } from '../expect-decode-error.test-support.js';

describe('EntropyReader', () => {
  it('extends raw bits to signed values as T.81 F.2.2.1 defines (size 3: 000..011 negative)', () => {
    const r = new EntropyReader(new BitWriter().put('000 011 100 111 1 0 0000000000000000 1111111111111111').bytes(), 0);
    expect([r.signed(3), r.signed(3), r.signed(3), r.signed(3), r.signed(1), r.signed(1), r.signed(0)]).toEqual([-7, -4, 4, 7, 1, -1, 0]);
    expect([r.signed(16), r.signed(16)]).toEqual([-65535, 65535]);
  });

  it('drops the stuffed zero after 0xFF and reads on', () => {
    const r = new EntropyReader(Uint8Array.of(0xff, 0x00, 0x5a, 0xff, 0x00), 0);
    expect([r.bitsValue(8), r.bitsValue(4), r.bitsValue(4), r.bitsValue(8)]).toEqual([0xff, 0x5, 0xa, 0xff]);
    r.checkOverrun();
  });

  it('feeds zeros at a marker without complaint until they are used, then calls the scan corrupt', () => {
    const r = new EntropyReader(Uint8Array.of(0xab, 0xff, 0xd9), 0);
    expect(r.bitsValue(8)).toBe(0xab);
    r.checkOverrun(); // the look-ahead read zeros at the marker, but none were used
    expect(r.bitsValue(1)).toBe(0);
    expectDecodeError(() => r.checkOverrun(), 422, 'image_corrupt');
  });

  it('calls a scan that runs into the end of the file truncated', () => {
    for (const bytes of [Uint8Array.of(0x12), Uint8Array.of(0x12, 0xff)]) {
      const r = new EntropyReader(bytes, 0);
      expect(r.bitsValue(8)).toBe(0x12);
      r.bitsValue(3);
      expectDecodeError(() => r.checkOverrun(), 422, 'image_truncated');
    }
  });

  it('steps over RSTn in sequence, dropping the padding bits of each interval', () => {
    const bytes = new BitWriter().put('101').raw(0xff, 0xd0).put('0110').raw(0xff, 0xff, 0xd1).put('1').raw(0xff, 0xd9).bytes();
    const r = new EntropyReader(bytes, 0);
    expect(r.bitsValue(3)).toBe(0b101);
    r.restart(0);
    expect(r.bitsValue(4)).toBe(0b0110);
    r.restart(1); // fill bytes before the marker are allowed (T.81 B.1.1.2)
    expect(r.bit()).toBe(1);
    r.checkOverrun();
  });

  it('refuses a restart marker out of sequence, a missing one, and one cut off', () => {
    const wrong = new EntropyReader(new BitWriter().put('1').raw(0xff, 0xd3).bytes(), 0);
    wrong.bit();
    expectDecodeError(() => wrong.restart(0), 422, 'image_corrupt');
    const missing = new EntropyReader(new BitWriter().put('1').raw(0xff, 0xd9).bytes(), 0);
    missing.bit();
    expectDecodeError(() => missing.restart(0), 422, 'image_corrupt');
    const cut = new EntropyReader(Uint8Array.of(0x80, 0x00, 0x00), 0);
    cut.bit();
    expectDecodeError(() => cut.restart(0), 422, 'image_truncated');
  });
});
