/**
 * The marker segments a decoder needs (ITU T.81 annex B): quantisation tables (DQT), Huffman
 * tables (DHT), the frame header (SOF0/1/2), the scan header (SOS), the restart interval (DRI)
 * and Adobe's APP14 colour transform flag. Each parser checks every length and range against
 * the segment it reads, because these come from untrusted uploads.
 */
import { DecodeError } from '../decoded-image.js';
import { buildHuffmanTable, type HuffmanTable } from './huffman-table.js';
import { ZIGZAG_TO_NATURAL } from './zigzag.js';

const corrupt = (message: string): DecodeError => new DecodeError(422, 'image_corrupt', message);

/** One component of the frame header. */
export interface FrameComponent {
  id: number;
  /** Horizontal and vertical sampling factors, 1..4. */
  h: number;
  v: number;
  /** Quantisation table selector, 0..3. */
  tq: number;
  /** Blocks that hold this component's samples, per row and per column (T.81 A.1.1). */
  blocksWide: number;
  blocksHigh: number;
}

/** The frame header with the MCU geometry derived from it. */
export interface Frame {
  progressive: boolean;
  precision: number;
  width: number;
  height: number;
  components: FrameComponent[];
  hMax: number;
  vMax: number;
  /** MCUs per row and per column in an interleaved scan. */
  mcusWide: number;
  mcusHigh: number;
}

/** One component of a scan header, with its Huffman table selectors. */
export interface ScanComponent {
  /** Index into Frame.components. */
  index: number;
  dcTable: number;
  acTable: number;
}

/** A scan header: which components, and for progressive scans the band and bit position. */
export interface Scan {
  components: ScanComponent[];
  /** Spectral selection start and end (zig-zag positions). */
  ss: number;
  se: number;
  /** Successive approximation: previous and current point transform. */
  ah: number;
  al: number;
}

const u16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;

/**
 * DQT: stores each table it defines in natural (row-major) order into `tables`.
 *
 * @example
 * parseQuantTables(bytes, seg.start, seg.length, quant);
 */
export function parseQuantTables(b: Uint8Array, start: number, length: number, tables: (Uint16Array | undefined)[]): void {
  let p = start;
  const end = start + length;
  while (p < end) {
    const pq = b[p]! >> 4;
    const tq = b[p]! & 15;
    const size = pq === 0 ? 64 : 128;
    if (pq > 1 || tq > 3) throw corrupt(`JPEG quantisation table has precision ${pq} and id ${tq}; allowed are 0..1 and 0..3`);
    if (p + 1 + size > end) throw corrupt('JPEG quantisation table segment is shorter than its tables');
    const table = new Uint16Array(64);
    for (let z = 0; z < 64; z++) table[ZIGZAG_TO_NATURAL[z]!] = pq === 0 ? b[p + 1 + z]! : u16(b, p + 1 + 2 * z);
    tables[tq] = table;
    p += 1 + size;
  }
}

/**
 * DHT: builds each table it defines into `dc` or `ac` by its id.
 *
 * @example
 * parseHuffmanTables(bytes, seg.start, seg.length, dcTables, acTables);
 */
export function parseHuffmanTables(
  b: Uint8Array,
  start: number,
  length: number,
  dc: (HuffmanTable | undefined)[],
  ac: (HuffmanTable | undefined)[],
): void {
  let p = start;
  const end = start + length;
  while (p < end) {
    const tc = b[p]! >> 4;
    const th = b[p]! & 15;
    if (tc > 1 || th > 3) throw corrupt(`JPEG Huffman table has class ${tc} and id ${th}; allowed are 0..1 and 0..3`);
    if (p + 17 > end) throw corrupt('JPEG Huffman table segment is shorter than its code counts');
    const counts = b.subarray(p + 1, p + 17);
    let total = 0;
    for (let i = 0; i < 16; i++) total += counts[i]!;
    if (total > 256 || p + 17 + total > end) throw corrupt(`JPEG Huffman table lists ${total} symbols, more than its segment holds`);
    const table = buildHuffmanTable(counts, b.subarray(p + 17, p + 17 + total));
    (tc === 0 ? dc : ac)[th] = table;
    p += 17 + total;
  }
}

/**
 * SOF0/1/2: the frame header (`extended` for SOF1). Throws DecodeError 415 for sample precision
 * other than 8 bits (or 12 in an extended frame) and
 * 422 image_corrupt / image_dimensions_invalid for fields out of range.
 *
 * @example
 * const frame = parseFrame(bytes, seg.start, seg.length, seg.marker === 0xc2);
 */
export function parseFrame(b: Uint8Array, start: number, length: number, progressive: boolean, extended = false): Frame {
  if (length < 6) throw corrupt(`JPEG frame header is ${length} bytes, too short for its fields`);
  const precision = b[start]!;
  const height = u16(b, start + 1);
  const width = u16(b, start + 3);
  const count = b[start + 5]!;
  // 12-bit samples only in sequential extended frames (SOF1), what DICOM's JPEG Extended carries.
  if (precision !== 8 && !(precision === 12 && extended)) {
    throw new DecodeError(415, 'unsupported_image_kind', `JPEG with ${precision}-bit samples is not supported; send 8-bit JPEG or PNG`);
  }
  if (width === 0 || height === 0) {
    // Height 0 defers it to a DNL marker (T.81 B.2.2); no camera or scanner writes one.
    throw new DecodeError(422, 'image_dimensions_invalid', `JPEG frame header claims ${width}x${height}; each side must be 1..65535`);
  }
  if (count === 0 || length < 6 + 3 * count) throw corrupt(`JPEG frame header is ${length} bytes, too short for its ${count} components`);
  const raw: { id: number; h: number; v: number; tq: number }[] = [];
  for (let i = 0; i < count; i++) {
    const p = start + 6 + 3 * i;
    const id = b[p]!;
    const h = b[p + 1]! >> 4;
    const v = b[p + 1]! & 15;
    const tq = b[p + 2]!;
    if (h < 1 || h > 4 || v < 1 || v > 4 || tq > 3) throw corrupt(`JPEG component ${id} has sampling ${h}x${v} and table ${tq}; allowed are 1..4 and 0..3`);
    if (raw.some((c) => c.id === id)) throw corrupt(`JPEG frame header lists component ${id} twice`);
    raw.push({ id, h, v, tq });
  }
  const hMax = Math.max(...raw.map((c) => c.h));
  const vMax = Math.max(...raw.map((c) => c.v));
  const components = raw.map((c) => ({
    ...c,
    blocksWide: Math.ceil(Math.ceil((width * c.h) / hMax) / 8),
    blocksHigh: Math.ceil(Math.ceil((height * c.v) / vMax) / 8),
  }));
  return { progressive, precision, width, height, components, hMax, vMax, mcusWide: Math.ceil(width / (8 * hMax)), mcusHigh: Math.ceil(height / (8 * vMax)) };
}

/**
 * SOS: the scan header, checked against the frame (known components, at most 10 blocks per MCU,
 * T.81 B.2.3; for progressive frames the band and bit-position rules of G.1.1.1).
 *
 * @example
 * const scan = parseScan(bytes, seg.start, seg.length, frame);
 */
export function parseScan(b: Uint8Array, start: number, length: number, frame: Frame): Scan {
  const count = length >= 1 ? b[start]! : 0;
  if (count < 1 || count > 4 || length < 1 + 2 * count + 3) throw corrupt(`JPEG scan header is ${length} bytes for ${count} components`);
  const components: ScanComponent[] = [];
  let blocksPerMcu = 0;
  for (let i = 0; i < count; i++) {
    const p = start + 1 + 2 * i;
    const index = frame.components.findIndex((c) => c.id === b[p]);
    if (index < 0) throw corrupt(`JPEG scan names component ${b[p]}, which the frame header does not list`);
    if (components.some((c) => c.index === index)) throw corrupt(`JPEG scan names component ${b[p]} twice`);
    const dcTable = b[p + 1]! >> 4;
    const acTable = b[p + 1]! & 15;
    if (dcTable > 3 || acTable > 3) throw corrupt(`JPEG scan selects Huffman tables ${dcTable}/${acTable}; allowed are 0..3`);
    components.push({ index, dcTable, acTable });
    const c = frame.components[index]!;
    blocksPerMcu += c.h * c.v;
  }
  if (count > 1 && blocksPerMcu > 10) throw corrupt(`JPEG scan has ${blocksPerMcu} blocks per MCU; at most 10 are allowed`);
  const q = start + 1 + 2 * count;
  const ss = b[q]!;
  const se = b[q + 1]!;
  const ah = b[q + 2]! >> 4;
  const al = b[q + 2]! & 15;
  if (frame.progressive) {
    const dcBand = ss === 0 && se === 0;
    const acBand = ss >= 1 && ss <= se && se <= 63;
    if (!dcBand && !acBand) throw corrupt(`JPEG progressive scan has spectral band ${ss}..${se}`);
    if (acBand && count !== 1) throw corrupt('JPEG progressive AC scan interleaves components; T.81 G.1.1.1.1 allows one');
    if (al > 13 || (ah !== 0 && ah !== al + 1)) throw corrupt(`JPEG progressive scan has bit positions Ah=${ah} Al=${al}`);
  }
  return { components, ss, se, ah, al };
}

/**
 * DRI: the restart interval in MCUs (0 = none).
 *
 * @example
 * restartInterval = parseRestartInterval(bytes, seg.start, seg.length);
 */
export function parseRestartInterval(b: Uint8Array, start: number, length: number): number {
  if (length < 2) throw corrupt(`JPEG restart interval segment is ${length} bytes; it needs 2`);
  return u16(b, start);
}

/**
 * APP14 "Adobe": its colour transform flag (0 = none, so 3 components are RGB; 1 = YCbCr;
 * 2 = YCCK), or undefined when the segment is another APP14.
 *
 * @example
 * adobeTransform(bytes, seg.start, seg.length); // 1
 */
export function adobeTransform(b: Uint8Array, start: number, length: number): number | undefined {
  if (length < 12) return undefined;
  const adobe = b[start] === 0x41 && b[start + 1] === 0x64 && b[start + 2] === 0x6f && b[start + 3] === 0x62 && b[start + 4] === 0x65;
  return adobe ? b[start + 11] : undefined;
}
