/**
 * Test support (Node only): an HTJ2K (JPEG 2000 Part 15) DICOM file made from an uncompressed one,
 * since no installed tool writes HTJ2K into DICOM (compressed-fixtures.test-support.ts). The
 * encoder is OpenJPH's, from the same @cornerstonejs/codec-openjph wasm the edge decodes with
 * (its HTJ2KEncoder class): an encoder independent of the project's code, but not of the codec
 * library, so a pixel comparison here checks the project's wrapping and sample handling, not OpenJPH.
 *
 * The dataset is rebuilt with the builder: every top-level string and US element of the input
 * (as dcmdump reads it) is copied, group 0002 and Pixel Data are replaced, sequences and binary
 * elements are dropped. Pixel Data is encapsulated (PS3.5 A.4): an empty Basic Offset Table item,
 * then one fragment per frame, padded to even length, then the sequence delimiter.
 *
 * HTJ2KEncoder API (codec-openjph 2.4, embind): getDecodedBuffer(frameInfo) sizes and returns the
 * wasm view to copy samples into, frameInfo being { width, height, bitsPerSample, componentCount,
 * isSigned, isUsingColorTransform } (all required); setQuality(lossless, quantizationStep) picks the
 * reversible 5/3 wavelet (step ignored) or the irreversible 9/7 with that base step; encode();
 * getEncodedBuffer() is a view of the raw J2K codestream (FF4F SOC ..., no JP2 boxes), valid until
 * delete(). Samples over 8 bits are read as little-endian int16 when isSigned, uint16 otherwise,
 * one component only (the 16-bit path ignores the component index), so only monochrome is offered.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import openjphFactory from '@cornerstonejs/codec-openjph/wasmjs';
import { rawPixels, run } from './compressed-fixtures.test-support.js';
import { ascii, concat, el, item, uint, undefinedLength } from './dicom-builder.test-support.js';

/** HTJ2K Lossless Only; HTJ2K (lossy allowed). */
export const HTJ2K_LOSSLESS_UID = '1.2.840.10008.1.2.4.201';
export const HTJ2K_UID = '1.2.840.10008.1.2.4.203';
/** Base quantization step of the irreversible wavelet when lossless is false (OpenJPH's scale, relative to the sample range). */
const LOSSY_STEP = 0.001;
const IMPLEMENTATION_UID = '2.25.329800735698586629295641978511506172918.9';

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned: boolean;
  isUsingColorTransform: boolean;
}
interface HTJ2KEncoder {
  getDecodedBuffer(info: FrameInfo): Uint8Array;
  setQuality(lossless: boolean, quantizationStep: number): void;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
  delete(): void;
}

const require = createRequire(import.meta.url);
let codec: Promise<{ HTJ2KEncoder: new () => HTJ2KEncoder }> | undefined;

function encoderModule(): Promise<{ HTJ2KEncoder: new () => HTJ2KEncoder }> {
  codec ??= (async () => {
    const module = await WebAssembly.compile(await readFile(require.resolve('@cornerstonejs/codec-openjph/wasm')));
    const instance = await openjphFactory({
      instantiateWasm(imports, receive) {
        void WebAssembly.instantiate(module, imports).then(receive);
        return {};
      },
      print: () => {},
      printErr: () => {},
    });
    const Encoder = (instance as unknown as { HTJ2KEncoder?: new () => HTJ2KEncoder }).HTJ2KEncoder;
    if (!Encoder) throw new Error('@cornerstonejs/codec-openjph has no HTJ2KEncoder class');
    return { HTJ2KEncoder: Encoder };
  })();
  return codec;
}

/** Encodes one frame of samples (little endian, 8 or 16 bits allocated) to an HTJ2K codestream. */
async function encodeFrame(frame: Uint8Array, info: FrameInfo, lossless: boolean): Promise<Uint8Array> {
  const { HTJ2KEncoder } = await encoderModule();
  const encoder = new HTJ2KEncoder();
  try {
    const into = encoder.getDecodedBuffer(info);
    if (into.length !== frame.length) throw new Error(`HTJ2KEncoder wants ${into.length} bytes for the frame, it has ${frame.length}`);
    into.set(frame);
    encoder.setQuality(lossless, lossless ? 0 : LOSSY_STEP);
    encoder.encode();
    return encoder.getEncodedBuffer().slice();
  } finally {
    encoder.delete();
  }
}

/** VRs whose dcmdump value is the element's text, and the integer VRs copied as numbers. */
const STRING_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UI', 'UC', 'UR', 'UT']);
const INTEGER_VRS: Record<string, [2 | 4, boolean]> = { US: [2, false], SS: [2, true], UL: [4, false], SL: [4, true] };

interface Element {
  tag: number;
  vr: string;
  value: string;
}

/** Top-level elements of the input as dcmdump prints them (nested items are indented, so skipped). */
async function topLevelElements(path: string): Promise<Element[]> {
  const dump = await run('dcmdump', ['-Un', '+L', path]);
  const out: Element[] = [];
  for (const m of dump.matchAll(/^\(([0-9a-f]{4}),([0-9a-f]{4})\) ([A-Z]{2}) (.*?)\s+#/gm)) {
    const raw = m[4]!;
    out.push({ tag: parseInt(m[1]! + m[2]!, 16), vr: m[3]!, value: raw === '(no value available)' ? '' : raw.replace(/^\[(.*)\]$/, '$1') });
  }
  return out;
}

function encodeElement(e: Element): Uint8Array | undefined {
  if (STRING_VRS.has(e.vr)) return el(e.tag, e.vr, e.value);
  const integer = INTEGER_VRS[e.vr];
  if (!integer || e.value === '') return undefined;
  const [bytes, signed] = integer;
  const values = e.value.split('\\').map(Number);
  if (values.some((v) => !Number.isInteger(v))) return undefined;
  return el(e.tag, e.vr, concat(...values.map((v) => uint(signed && v < 0 ? v + 2 ** (8 * bytes) : v, bytes))));
}

/**
 * Writes outPath: `uncompressedPath` (monochrome, native pixel data, any frame count) with its
 * pixels as HTJ2K, transfer syntax HTJ2K Lossless Only (.4.201) when lossless (the default), else
 * HTJ2K (.4.203) with the irreversible wavelet and Lossy Image Compression "01". Resolves to outPath.
 *
 * @example const htj2k = await htj2kDicom(ct, join(tmp, 'ct.htj2k.dcm'));
 */
export async function htj2kDicom(uncompressedPath: string, outPath: string, opts: { lossless?: boolean } = {}): Promise<string> {
  const lossless = opts.lossless ?? true;
  const [pixels, elements] = await Promise.all([rawPixels(uncompressedPath), topLevelElements(uncompressedPath)]);
  const number = (tag: number, fallback?: number): number => {
    const v = elements.find((e) => e.tag === tag)?.value;
    const n = v === undefined || v === '' ? fallback : Number(v);
    if (n === undefined || !Number.isInteger(n)) throw new Error(`${uncompressedPath}: (${tag.toString(16).padStart(8, '0')}) is ${v ?? 'missing'}`);
    return n;
  };
  const samples = number(0x00280002, 1);
  const bitsStored = number(0x00280101, pixels.bitsAllocated);
  const signed = pixels.pixelRepresentation === 1;
  if (samples !== 1) throw new Error(`${uncompressedPath}: ${samples} samples per pixel; only monochrome is encoded (HTJ2KEncoder's 16-bit path takes one component)`);
  if (pixels.bitsAllocated !== 16 && !(pixels.bitsAllocated === 8 && !signed)) {
    throw new Error(`${uncompressedPath}: ${pixels.bitsAllocated} bits allocated${signed ? ', signed' : ''}; HTJ2KEncoder takes 16-bit or unsigned 8-bit samples`);
  }

  // The encoder takes the samples' values as they are: a stored value outside BitsStored (high
  // bits set, overlays) would not survive, so refuse it rather than write a silently lossy file.
  const frameBytes = pixels.rows * pixels.columns * (pixels.bitsAllocated / 8);
  if (pixels.data.length < frameBytes * pixels.frames) throw new Error(`${uncompressedPath}: Pixel Data holds ${pixels.data.length} bytes, ${pixels.frames} frame(s) need ${frameBytes * pixels.frames}`);
  const view = new DataView(pixels.data.buffer, pixels.data.byteOffset, frameBytes * pixels.frames);
  const [lo, hi] = signed ? [-(2 ** (bitsStored - 1)), 2 ** (bitsStored - 1) - 1] : [0, 2 ** bitsStored - 1];
  for (let i = 0; i < view.byteLength; i += pixels.bitsAllocated / 8) {
    const v = pixels.bitsAllocated === 8 ? view.getUint8(i) : signed ? view.getInt16(i, true) : view.getUint16(i, true);
    if (v < lo || v > hi) throw new Error(`${uncompressedPath}: sample ${v} at byte ${i} is outside BitsStored ${bitsStored}`);
  }

  const info: FrameInfo = { width: pixels.columns, height: pixels.rows, bitsPerSample: bitsStored, componentCount: 1, isSigned: signed, isUsingColorTransform: false };
  const fragments: Uint8Array[] = [];
  for (let f = 0; f < pixels.frames; f++) {
    const codestream = await encodeFrame(pixels.data.subarray(f * frameBytes, (f + 1) * frameBytes), info, lossless);
    fragments.push(item(codestream.length % 2 ? concat(codestream, new Uint8Array(1)) : codestream));
  }

  const kept = elements.filter((e) => e.tag >>> 16 !== 0x0002 && e.tag < 0x7fe00000 && !(e.tag === 0x00282110 && !lossless));
  const dataset = kept.flatMap((e) => encodeElement(e) ?? []);
  if (!lossless) dataset.push(el(0x00282110, 'CS', '01'));
  dataset.sort((a, b) => tagOf(a) - tagOf(b));
  dataset.push(undefinedLength(0x7fe00010, 'OB', concat(item(new Uint8Array(0)), ...fragments)));

  const uid = (tag: number): string | undefined => elements.find((e) => e.tag === tag)?.value || undefined;
  const sopClass = uid(0x00080016) ?? uid(0x00020002);
  const sopInstance = uid(0x00080018) ?? uid(0x00020003);
  const group = concat(
    el(0x00020001, 'OB', Uint8Array.of(0, 1)),
    ...(sopClass ? [el(0x00020002, 'UI', sopClass)] : []),
    ...(sopInstance ? [el(0x00020003, 'UI', sopInstance)] : []),
    el(0x00020010, 'UI', lossless ? HTJ2K_LOSSLESS_UID : HTJ2K_UID),
    el(0x00020012, 'UI', uid(0x00020012) ?? IMPLEMENTATION_UID),
  );
  const meta = concat(new Uint8Array(128), ascii('DICM'), el(0x00020000, 'UL', uint(group.length, 4)), group);
  await mkdir(dirname(outPath), { recursive: true });
  await writeFile(outPath, concat(meta, ...dataset));
  return outPath;
}

const tagOf = (element: Uint8Array): number => (element[0]! | (element[1]! << 8)) * 0x10000 + (element[2]! | (element[3]! << 8));
