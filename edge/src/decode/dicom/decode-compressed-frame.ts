/**
 * One frame of encapsulated pixel data through its codec, checked on both sides: the codestream
 * must be whole (its end marker present) before the codec sees it, and what the codec returns
 * must be the frame the header describes (size, samples, precision) before a pixel is used.
 * The samples then take the native path (decode-pixels), so Modality LUT, sign and colour are
 * handled once for every syntax.
 */
import { DecodeError, type DecodedImage } from '../decoded-image.js';
import type { ByteReader } from './byte-reader.js';
import type { CodecWasm } from './codecs/codec-wasm.js';
import type { CodecFrame, FrameCodec } from './codecs/frame-codec.js';
import { decodePixels } from './decode-pixels.js';
import { framesOf, joinFragments, readEncapsulatedPixelData } from './encapsulated-pixel-data.js';
import type { ImageHeader } from './image-header.js';

/**
 * The largest frame a codec is handed. The wasm codecs' heaps stay at their initial 50 MiB up to
 * 2048 x 2048 16-bit frames (measured for CharLS, OpenJPEG and OpenJPH); larger ones would grow
 * them toward the isolate's 128 MB. CT slices are 512 x 512, rarely 1024 x 1024.
 */
export const MAX_COMPRESSED_FRAME_PIXELS = 2048 * 2048;

/** The platform's typed arrays are little endian (every runtime we run on); checked once. */
const LITTLE_ENDIAN_PLATFORM = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

export async function decodeCompressedFrame(
  reader: ByteReader,
  valueOffset: number,
  header: ImageHeader,
  frame: number,
  codec: FrameCodec,
  wasm: CodecWasm | undefined,
): Promise<DecodedImage> {
  if (header.rows * header.columns > MAX_COMPRESSED_FRAME_PIXELS) {
    throw new DecodeError(
      413,
      'image_too_large',
      `a compressed frame of ${header.columns}x${header.rows} pixels is more than the ${MAX_COMPRESSED_FRAME_PIXELS} decoded here at once`,
    );
  }
  const encapsulated = readEncapsulatedPixelData(reader, valueOffset);
  const frames = framesOf(reader, encapsulated, header.frames, codec.split);
  const codestream = joinFragments(reader, frames[frame]!);
  if (codec.split.startsCodestream) checkWhole(codestream, codec.family, frame);
  const decoded = await codec.decode(codestream, { header, wasm });
  return toImage(decoded, header, codec.family);
}

/**
 * JPEG, JPEG-LS and JPEG 2000 codestreams end with FFD9 (EOI / EOC), then at most a few bytes of
 * padding (a zero to even length; some encoders leave an FF). Without it the frame was cut, and
 * codecs would decode the part they have into a plausible but partial image.
 */
const END_PADDING_BYTES = 8;

function checkWhole(codestream: Uint8Array, family: string, frame: number): void {
  const whole = (): boolean => {
    for (let at = codestream.length - 2; at >= Math.max(2, codestream.length - 2 - END_PADDING_BYTES); at--) {
      if (codestream[at] === 0xff && codestream[at + 1] === 0xd9) return true;
    }
    return false;
  };
  if (codestream[0] !== 0xff || !whole()) {
    const problem = codestream[0] !== 0xff ? 'does not start with a marker' : 'has no end-of-codestream marker (FFD9)';
    throw new DecodeError(422, 'codestream_truncated', `the ${family} codestream of frame ${frame + 1} (${codestream.length} bytes) ${problem}: it is cut short or damaged`);
  }
}

function toImage(decoded: CodecFrame, header: ImageHeader, family: string): DecodedImage {
  const mismatch = (what: string): DecodeError =>
    new DecodeError(422, 'codestream_mismatch', `the ${family} codestream decodes to ${what}, but the DICOM header says otherwise`);
  if (decoded.width !== header.columns || decoded.height !== header.rows) {
    throw mismatch(`${decoded.width}x${decoded.height} pixels (the header: ${header.columns}x${header.rows})`);
  }
  const components = decoded.lumaOnly ? header.samplesPerPixel : decoded.components;
  if (components !== header.samplesPerPixel) throw mismatch(`${decoded.components} component(s) (the header: ${header.samplesPerPixel} samples per pixel)`);
  if (decoded.bitsPerSample > header.bitsAllocated || decoded.bitsPerSample < 1) {
    throw mismatch(`${decoded.bitsPerSample}-bit samples (the header: ${header.bitsAllocated} bits allocated)`);
  }
  const count = header.rows * header.columns * decoded.components;
  if (decoded.samples.length < count) throw mismatch(`${decoded.samples.length} samples (the frame needs ${count})`);

  if (decoded.lumaOnly) {
    const data = decoded.samples instanceof Int16Array ? new Uint16Array(decoded.samples.buffer) : decoded.samples;
    return { kind: 'gray', width: decoded.width, height: decoded.height, data, bitDepth: data instanceof Uint8Array ? 8 : 16 };
  }
  // Encoders disagree with headers about precision (a 16-bit J2K in a BitsStored 12 file); the
  // codestream's own precision is what its samples have, up to what the header allocates.
  const bitsStored = Math.max(header.bitsStored, decoded.bitsPerSample);
  const layout: ImageHeader = {
    ...header,
    bitsStored,
    highBit: bitsStored - 1,
    planarConfiguration: decoded.planar ? 1 : 0,
    photometric: decoded.photometric ?? (header.photometric === 'YBR_FULL_422' || header.photometric === 'YBR_ICT' || header.photometric === 'YBR_RCT' ? 'RGB' : header.photometric),
  };
  return decodePixels(nativeBytes(decoded.samples, header.bitsAllocated, count), layout, { littleEndian: true, swapBytePairs: false });
}

/** The samples as native little-endian bytes of `bitsAllocated` (8-bit codec output widened for a 16-bit header). */
function nativeBytes(samples: CodecFrame['samples'], bitsAllocated: 8 | 16, count: number): Uint8Array {
  if (bitsAllocated === 8) return samples instanceof Uint8Array ? samples : Uint8Array.from(samples.subarray(0, count));
  const wide = samples instanceof Uint8Array ? Uint16Array.from(samples.subarray(0, count)) : samples;
  if (!LITTLE_ENDIAN_PLATFORM) throw new Error('a big-endian platform needs a byte swap here');
  return new Uint8Array(wide.buffer, wide.byteOffset, count * 2);
}
