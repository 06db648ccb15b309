/**
 * Binary framing shared by every hot-path body between the edge and the GPU workers.
 *
 * A frame is `magic (4 bytes) | header length (u32 LE) | header (UTF-8 JSON) | payload bytes`.
 * Slices travel as raw 8-bit pixels: base64-in-JSON would cost a third more bytes and a decode
 * pass on both sides. The header is small JSON so it can be validated with zod and evolve by
 * version. Runtime-neutral: Web APIs only (runs in workerd and Node).
 */
import { ProblemError } from './problem-error.js';

/** ASCII "BSN1": the frame format's version lives in the magic, the header's in its schema. */
export const FRAME_MAGIC = new Uint8Array([0x42, 0x53, 0x4e, 0x31]);
/** Magic plus the u32 header length: what a frame holds before its header. */
export const FRAME_PREFIX_BYTES = FRAME_MAGIC.length + 4;

/** Headers describe at most a few hundred slices; anything bigger is an attack or a bug. */
export const MAX_FRAME_HEADER_BYTES = 64 * 1024;

/** The largest frame that carries `payloadBytes`: the bound a receiver's body limit needs. */
export function maxFrameBytes(payloadBytes: number): number {
  return FRAME_PREFIX_BYTES + MAX_FRAME_HEADER_BYTES + payloadBytes;
}

export type FrameErrorCode = 'frame_truncated' | 'frame_bad_magic' | 'frame_header_too_large' | 'frame_header_not_json';

/**
 * Thrown by {@link decodeFrame} (and by {@link encodeFrame} for an oversized header): a body
 * that is not a frame is a bad request, so it is a 400 problem whose `code` says what is wrong.
 */
export class FrameError extends ProblemError {
  override name = 'FrameError';
  constructor(
    override readonly code: FrameErrorCode,
    message: string,
  ) {
    super(400, code, message);
  }
}

export interface Frame {
  header: unknown;
  payload: Uint8Array;
}

/**
 * Encodes a frame. The payload parts are copied once into the single output buffer.
 * @example encodeFrame({ version: 1 }, [slice0, slice1])
 */
export function encodeFrame(header: unknown, payload: readonly Uint8Array[]): Uint8Array {
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  if (headerBytes.length > MAX_FRAME_HEADER_BYTES) {
    throw new FrameError('frame_header_too_large', `frame header is ${headerBytes.length} bytes; the limit is ${MAX_FRAME_HEADER_BYTES}`);
  }
  const payloadBytes = payload.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(FRAME_PREFIX_BYTES + headerBytes.length + payloadBytes);
  out.set(FRAME_MAGIC, 0);
  new DataView(out.buffer).setUint32(FRAME_MAGIC.length, headerBytes.length, true);
  out.set(headerBytes, FRAME_PREFIX_BYTES);
  let offset = FRAME_PREFIX_BYTES + headerBytes.length;
  for (const part of payload) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Splits a frame into its parsed JSON header and a zero-copy view of the payload.
 * Validating the header's shape is the caller's job (with the schema for the frame's kind).
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.length < FRAME_PREFIX_BYTES) {
    throw new FrameError('frame_truncated', `body is ${bytes.length} bytes; a frame needs at least ${FRAME_PREFIX_BYTES}`);
  }
  for (let i = 0; i < FRAME_MAGIC.length; i++) {
    if (bytes[i] !== FRAME_MAGIC[i]) throw new FrameError('frame_bad_magic', 'body does not start with the frame magic "BSN1"');
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(FRAME_MAGIC.length, true);
  if (headerLength > MAX_FRAME_HEADER_BYTES) {
    throw new FrameError('frame_header_too_large', `frame header claims ${headerLength} bytes; the limit is ${MAX_FRAME_HEADER_BYTES}`);
  }
  if (bytes.length < FRAME_PREFIX_BYTES + headerLength) {
    throw new FrameError('frame_truncated', `frame header claims ${headerLength} bytes but only ${bytes.length - FRAME_PREFIX_BYTES} follow`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes.subarray(FRAME_PREFIX_BYTES, FRAME_PREFIX_BYTES + headerLength)));
  } catch {
    throw new FrameError('frame_header_not_json', 'frame header is not valid UTF-8 JSON');
  }
  return { header, payload: bytes.subarray(FRAME_PREFIX_BYTES + headerLength) };
}
