/**
 * What a JPEG says about itself before any pixel is decoded: its marker segments, its frame size
 * (so the edge refuses a huge image before allocating it) and its EXIF Orientation (so a phone
 * photo of a slice is turned upright the way every viewer shows it). Runtime-neutral, and every
 * read is bounds-checked: these run on untrusted uploads.
 */
import { DecodeError } from './decoded-image.js';

/** Where one marker segment's payload lies (after the 2-byte length field). */
export interface JpegSegment {
  /** The marker's second byte: 0xe1 for APP1, 0xc0 for SOF0, 0xda for SOS... */
  marker: number;
  /** Offset of the payload, just after the length field. */
  start: number;
  /** Payload length in bytes (the length field minus its own 2 bytes). */
  length: number;
}

/** How a walk over the markers ended. */
export type JpegWalkEnd =
  | { end: 'eoi' | 'stopped'; offset: number }
  | { end: 'truncated' | 'corrupt'; offset: number; message: string };

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;

const u16be = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;

/** Markers that stand alone, without a length field: TEM and RST0..7 (ITU T.81 table B.1). */
const isStandalone = (m: number): boolean => m === 0x01 || (m >= 0xd0 && m <= 0xd7);

/**
 * Visits every marker segment from SOI to EOI, skipping entropy-coded data after each SOS (where
 * 0xFF is always followed by a stuffed 0x00 or an RSTn, so the next other marker ends the scan).
 * `visit` returns true to stop early. Never throws, never reads past the end.
 *
 * @example
 * const end = walkJpegSegments(bytes, (s) => s.marker === 0xc0);
 */
export function walkJpegSegments(bytes: Uint8Array, visit: (segment: JpegSegment) => boolean | void): JpegWalkEnd {
  const len = bytes.length;
  if (len < 2 || bytes[0] !== 0xff || bytes[1] !== SOI) {
    return { end: 'corrupt', offset: 0, message: 'not a JPEG: it does not start with the SOI marker FF D8' };
  }
  let off = 2;
  for (;;) {
    if (off >= len) return { end: 'truncated', offset: off, message: `JPEG ends at byte ${len} before its EOI marker` };
    if (bytes[off] !== 0xff) {
      return { end: 'corrupt', offset: off, message: `expected a JPEG marker at byte ${off}, found 0x${bytes[off]!.toString(16)}` };
    }
    while (off < len && bytes[off] === 0xff) off++; // fill bytes before a marker (T.81 B.1.1.2)
    if (off >= len) return { end: 'truncated', offset: off, message: `JPEG ends at byte ${len} inside a marker` };
    const marker = bytes[off++]!;
    if (marker === EOI) return { end: 'eoi', offset: off };
    if (isStandalone(marker)) continue;
    if (marker === 0x00 || marker === SOI) {
      return { end: 'corrupt', offset: off - 2, message: `invalid JPEG marker FF ${marker.toString(16).padStart(2, '0')} at byte ${off - 2}` };
    }
    if (off + 2 > len) return { end: 'truncated', offset: off, message: `JPEG ends at byte ${len} inside the length of marker FF ${marker.toString(16)}` };
    const segLen = u16be(bytes, off);
    if (segLen < 2) return { end: 'corrupt', offset: off, message: `marker FF ${marker.toString(16)} at byte ${off - 2} has length ${segLen}` };
    if (off + segLen > len) {
      return { end: 'truncated', offset: off, message: `segment FF ${marker.toString(16)} at byte ${off - 2} needs ${segLen} bytes but the file ends at ${len}` };
    }
    if (visit({ marker, start: off + 2, length: segLen - 2 }) === true) return { end: 'stopped', offset: off - 2 };
    off += segLen;
    if (marker === SOS) {
      for (;;) {
        if (off + 1 >= len) return { end: 'truncated', offset: len, message: `JPEG ends at byte ${len} inside its compressed image data` };
        if (bytes[off] === 0xff) {
          const next = bytes[off + 1]!;
          if (next !== 0x00 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) break;
        }
        off++;
      }
    }
  }
}

/** What the frame header (SOFn) says; enough to refuse a file before decoding it. */
export interface JpegHeader {
  width: number;
  height: number;
  /** Bits per sample: 8 for baseline; 12 is possible in extended (SOF1) files. */
  precision: number;
  /** 1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK. */
  components: number;
  /** 0xc0 baseline, 0xc1 extended sequential, 0xc2 progressive. */
  sofMarker: 0xc0 | 0xc1 | 0xc2;
}

/** SOFn markers: C0..CF except DHT (C4), JPG (C8) and DAC (CC). */
const isSof = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/**
 * Reads the frame size from the first SOF0/1/2 segment without decoding anything. Throws
 * DecodeError: 422 image_corrupt / image_truncated when the markers before it are damaged,
 * 415 unsupported_image_kind for lossless, hierarchical or arithmetic-coded JPEG (SOF3, SOF5..7,
 * SOF9..15), which the decoder cannot read.
 *
 * @example
 * const { width, height } = jpegDimensions(bytes);
 */
export function jpegDimensions(bytes: Uint8Array): JpegHeader {
  let header: JpegHeader | undefined;
  let problem: DecodeError | undefined;
  const walk = walkJpegSegments(bytes, (seg) => {
    if (seg.marker === SOS) {
      problem = new DecodeError(422, 'image_corrupt', 'JPEG has a scan (SOS) before any frame header (SOF)');
      return true;
    }
    if (!isSof(seg.marker)) return false;
    if (seg.marker !== 0xc0 && seg.marker !== 0xc1 && seg.marker !== 0xc2) {
      problem = new DecodeError(
        415,
        'unsupported_image_kind',
        `JPEG frame type SOF${seg.marker - 0xc0} (lossless, hierarchical or arithmetic-coded) is not supported; send baseline or progressive JPEG`,
      );
      return true;
    }
    const s = seg.start;
    const components = seg.length >= 6 ? bytes[s + 5]! : 0;
    if (seg.length < 6 || seg.length < 6 + 3 * components) {
      problem = new DecodeError(422, 'image_corrupt', `JPEG frame header is ${seg.length} bytes, too short for its fields`);
      return true;
    }
    header = { precision: bytes[s]!, height: u16be(bytes, s + 1), width: u16be(bytes, s + 3), components, sofMarker: seg.marker };
    return true;
  });
  if (problem) throw problem;
  if (header) return header;
  if (walk.end === 'truncated') throw new DecodeError(422, 'image_truncated', `${walk.message}; no frame header (SOF) read`);
  if (walk.end === 'corrupt') throw new DecodeError(422, 'image_corrupt', walk.message);
  throw new DecodeError(422, 'image_corrupt', 'JPEG has no frame header (SOF0/1/2) before its EOI marker');
}

/** EXIF Orientation values (EXIF 2.32 / TIFF 6.0 tag 0x0112); 1 is upright. */
export type ExifOrientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

const ORIENTATION_TAG = 0x0112;

/** Orientation from a TIFF structure (the APP1 payload after "Exif\0\0"); 1 on anything odd. */
function orientationFromTiff(bytes: Uint8Array, start: number, end: number): ExifOrientation {
  const len = end - start;
  if (len < 8) return 1;
  const b0 = bytes[start];
  const little = b0 === 0x49 && bytes[start + 1] === 0x49; // "II"
  const big = b0 === 0x4d && bytes[start + 1] === 0x4d; // "MM"
  if (!little && !big) return 1;
  const u16 = (at: number): number =>
    little ? bytes[start + at]! | (bytes[start + at + 1]! << 8) : (bytes[start + at]! << 8) | bytes[start + at + 1]!;
  const u32 = (at: number): number => (little ? u16(at) + u16(at + 2) * 65536 : u16(at) * 65536 + u16(at + 2));
  if (u16(2) !== 42) return 1;
  const ifd0 = u32(4);
  if (ifd0 < 8 || ifd0 + 2 > len) return 1;
  const count = u16(ifd0);
  if (ifd0 + 2 + 12 * count > len) return 1; // an IFD that claims more entries than its segment holds
  for (let i = 0; i < count; i++) {
    const entry = ifd0 + 2 + 12 * i;
    if (u16(entry) !== ORIENTATION_TAG) continue;
    const type = u16(entry + 2);
    // SHORT per the spec; a few writers use LONG. The value sits in the entry's value field.
    const value = type === 3 ? u16(entry + 8) : type === 4 ? u32(entry + 8) : 0;
    return value >= 1 && value <= 8 ? (value as ExifOrientation) : 1;
  }
  return 1;
}

/**
 * The EXIF Orientation of a JPEG: the first APP1 "Exif\0\0" segment before the first scan, IFD0,
 * tag 0x0112. Returns 1 (upright) when there is no EXIF, no such tag, or anything malformed;
 * never throws.
 *
 * @example
 * const upright = applyOrientation(image, readExifOrientation(bytes));
 */
export function readExifOrientation(bytes: Uint8Array): ExifOrientation {
  let orientation: ExifOrientation = 1;
  try {
    walkJpegSegments(bytes, (seg) => {
      if (seg.marker === SOS) return true;
      if (seg.marker !== 0xe1 || seg.length < 14) return false;
      const s = seg.start;
      // "Exif" 00 00
      if (bytes[s] !== 0x45 || bytes[s + 1] !== 0x78 || bytes[s + 2] !== 0x69 || bytes[s + 3] !== 0x66) return false;
      if (bytes[s + 4] !== 0 || bytes[s + 5] !== 0) return false;
      orientation = orientationFromTiff(bytes, s + 6, s + seg.length);
      return true;
    });
  } catch {
    return 1; // belt and braces: the walk and the TIFF reader are bounds-checked already
  }
  return orientation;
}

export interface OrientableImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Source index of output pixel (x, y) is s0 + x*sx + y*sy for a stored image of width W and
 * height H. Derived from the EXIF definitions of where the stored 0th row and 0th column belong
 * (6: row 0 is the right side, column 0 the top, so turning it upright is a 90-degree clockwise
 * rotation; 8 is the reverse; 5 and 7 are the transpose and transverse), the same operations as
 * PIL's ImageOps.exif_transpose.
 */
function walkFor(o: ExifOrientation, W: number, H: number): { s0: number; sx: number; sy: number; swap: boolean } {
  switch (o) {
    case 1: return { s0: 0, sx: 1, sy: W, swap: false };
    case 2: return { s0: W - 1, sx: -1, sy: W, swap: false }; // mirror left-right
    case 3: return { s0: W * H - 1, sx: -1, sy: -W, swap: false }; // rotate 180
    case 4: return { s0: (H - 1) * W, sx: 1, sy: -W, swap: false }; // flip top-bottom
    case 5: return { s0: 0, sx: W, sy: 1, swap: true }; // transpose
    case 6: return { s0: (H - 1) * W, sx: -W, sy: 1, swap: true }; // rotate 90 clockwise
    case 7: return { s0: W * H - 1, sx: -W, sy: -1, swap: true }; // transverse
    case 8: return { s0: W - 1, sx: W, sy: -1, swap: true }; // rotate 270 clockwise
  }
}

/**
 * The upright image for an EXIF orientation: a new array (the input is untouched) unless the
 * orientation is 1 or not a valid value, when the image comes back as it is. Orientations 5..8
 * swap width and height.
 *
 * @example
 * applyOrientation({ width: 3, height: 2, data }, 6); // -> width 2, height 3
 */
export function applyOrientation<T extends OrientableImage>(image: T, orientation: number): T {
  if (!Number.isInteger(orientation) || orientation < 2 || orientation > 8) return image;
  const { width: W, height: H, data } = image;
  if (data.length < W * H) throw new RangeError(`image data has ${data.length} samples for ${W}x${H}`);
  const { s0, sx, sy, swap } = walkFor(orientation as ExifOrientation, W, H);
  const outW = swap ? H : W;
  const outH = swap ? W : H;
  const out = new Uint8Array(W * H);
  let o = 0;
  for (let y = 0; y < outH; y++) {
    let s = s0 + y * sy;
    for (let x = 0; x < outW; x++, s += sx) out[o++] = data[s]!;
  }
  return { ...image, width: outW, height: outH, data: out };
}
