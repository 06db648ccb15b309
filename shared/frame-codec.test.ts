import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, FrameError, MAX_FRAME_HEADER_BYTES } from './frame-codec.js';

describe('frame codec', () => {
  it('round-trips a header and payload parts, with the payload as a view', () => {
    const a = new Uint8Array([1, 2, 3]);
    const b = new Uint8Array([250, 251]);
    const bytes = encodeFrame({ version: 1, name: 'x' }, [a, b]);
    const { header, payload } = decodeFrame(bytes);
    expect(header).toEqual({ version: 1, name: 'x' });
    expect([...payload]).toEqual([1, 2, 3, 250, 251]);
    expect(payload.buffer).toBe(bytes.buffer);
  });

  it('decodes a frame that sits at an offset inside a larger buffer', () => {
    const inner = encodeFrame({ k: 1 }, [new Uint8Array([9])]);
    const outer = new Uint8Array(inner.length + 10);
    outer.set(inner, 5);
    expect(decodeFrame(outer.subarray(5, 5 + inner.length)).header).toEqual({ k: 1 });
  });

  it.each([
    ['empty', new Uint8Array(0), 'frame_truncated'],
    ['bad magic', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), 'frame_bad_magic'],
    ['header longer than the body', new Uint8Array([0x42, 0x53, 0x4e, 0x31, 10, 0, 0, 0, 0x7b]), 'frame_truncated'],
    ['header over the limit', new Uint8Array([0x42, 0x53, 0x4e, 0x31, 0, 0, 2, 0]), 'frame_header_too_large'],
    ['invalid UTF-8', new Uint8Array([0x42, 0x53, 0x4e, 0x31, 2, 0, 0, 0, 0xc3, 0x28]), 'frame_header_not_json'],
  ])('rejects %s with a coded FrameError', (_, bytes, code) => {
    try {
      decodeFrame(bytes);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FrameError);
      expect((err as FrameError).code).toBe(code);
    }
  });

  it('refuses to encode an oversized header', () => {
    expect(() => encodeFrame({ big: 'x'.repeat(MAX_FRAME_HEADER_BYTES) }, [])).toThrow(FrameError);
  });
});
