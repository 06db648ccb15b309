/**
 * Test support: a CT Image Storage file in Hounsfield units made from one of the 8-bit lung-window
 * test JPEGs (covid-semiseg), so the DICOM path can be tested on a realistic 512x512 CT slice, as
 * unsigned-with-intercept or signed storage, 12 or 16 bits stored, one frame or several. The gray
 * is put back through the inverse of the window that made it (DEFAULT_LUNG_WINDOW, measured from
 * the labelled slices, for those; PSEUDO_JPEG_WINDOW for the pseudo/ volumes).
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import jpeg from 'jpeg-js';
import { DEFAULT_LUNG_WINDOW } from '../../imaging/window.js';
import { ascii, concat, el, imageDataset, item, uint } from './dicom-builder.test-support.js';

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
// Fixed test UIDs under 2.25 (UUID-derived root), so reruns give byte-identical files.
const UID_ROOT = '2.25.329800735698586629295641978511506172918';
const STUDY_UID = `${UID_ROOT}.1`;
const SERIES_UID = `${UID_ROOT}.2`;
const INSTANCE_UID = `${UID_ROOT}.3`;
/** One patient coordinate system for every slice and enhanced instance made here (a scanner's one study). */
const FRAME_OF_REFERENCE_UID = `${UID_ROOT}.4`;
const IMPLEMENTATION_UID = `${UID_ROOT}.9`;

export interface CtSliceOptions {
  /** An 8-bit (lung-window) JPEG, e.g. ../shared/data/covid-semiseg/test/images/18.jpg. */
  jpegPath: string;
  outPath: string;
  /** Rows = Columns. Default 512. */
  size?: number;
  /**
   * 'unsigned-intercept': HU + 1024, PixelRepresentation 0, intercept -1024; 'signed': HU as is,
   * PixelRepresentation 1; 'gray8': the lung-window gray itself in 8 bits with a 128/256 window
   * (a windowed export, what 8-bit JPEG baseline DICOM carries).
   */
  storage: 'unsigned-intercept' | 'signed' | 'gray8';
  /** Default 12 for unsigned-intercept, 16 for signed (the common scanner pairings). The HU range used fits both. */
  bitsStored?: 12 | 16;
  /** Frame f is the slice shifted right by f pixels, so frames differ. Default 1 (no NumberOfFrames). */
  frames?: number;
  window?: { center: number; width: number };
  /**
   * For series built of several files: InstanceNumber (default 1; when given, the SOP Instance
   * UID gets it as a last component so every slice is its own instance), ImagePositionPatient's z
   * in mm (default 0) and ImageType (default ORIGINAL\PRIMARY\AXIAL).
   */
  instanceNumber?: number;
  positionZ?: number;
  imageType?: string;
  /** Default a fixed test UID: every file made here is of one series unless told. */
  seriesInstanceUID?: string;
  /** Pixel Spacing in mm, both ways; default 0.7 (a 358 mm field at 512 pixels). */
  pixelSpacingMm?: number;
  /** The window the JPEG was made with, undone to get HU; default DEFAULT_LUNG_WINDOW. */
  sourceWindow?: { center: number; width: number };
}

/** The JPEG's gray plane (jpeg-js, independent of the project's own JPEG decoder). */
function grayOf(path: string): { width: number; height: number; gray: Uint8Array } {
  const d = jpeg.decode(readFileSync(path), { useTArray: true, formatAsRGBA: false });
  const channels = d.data.length / (d.width * d.height);
  const gray = new Uint8Array(d.width * d.height);
  for (let i = 0; i < gray.length; i++) gray[i] = d.data[i * channels]!;
  return { width: d.width, height: d.height, gray };
}

/** Bilinear resample to size x size (pixel centres aligned), as float gray 0..255. */
function resample(src: { width: number; height: number; gray: Uint8Array }, size: number): Float64Array {
  const { width: w, height: h, gray } = src;
  const out = new Float64Array(size * size);
  const at = (x: number, y: number) => gray[y * w + x]!;
  for (let y = 0; y < size; y++) {
    const sy = Math.min(Math.max(((y + 0.5) * h) / size - 0.5, 0), h - 1);
    const y0 = Math.floor(sy), y1 = Math.min(y0 + 1, h - 1), fy = sy - y0;
    for (let x = 0; x < size; x++) {
      const sx = Math.min(Math.max(((x + 0.5) * w) / size - 0.5, 0), w - 1);
      const x0 = Math.floor(sx), x1 = Math.min(x0 + 1, w - 1), fx = sx - x0;
      const top = at(x0, y0) * (1 - fx) + at(x1, y0) * fx;
      const bottom = at(x0, y1) * (1 - fx) + at(x1, y1) * fx;
      out[y * size + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/**
 * The window the pseudo/ volumes' JPEGs look made with: air (−1000 HU) at gray 5 and soft tissue
 * (+40 HU) at 120, bone at the top, lung parenchyma about gray 30 (estimated from their gray levels).
 */
export const PSEUDO_JPEG_WINDOW = { center: 108, width: 2306 };

/** Gray 0..255 -> HU through the inverse of `window`, clipped to the CT range. */
const huFrom = (window: { center: number; width: number }) => (g: number): number =>
  Math.min(Math.max(Math.round((g / 255) * window.width + window.center - window.width / 2), -1024), 3071);

/** File meta with the SOP class/instance (dcmtk and GDCM warn or refuse without them). */
function meta(instanceUid: string): Uint8Array {
  const group = concat(
    el(0x00020001, 'OB', Uint8Array.of(0, 1)),
    el(0x00020002, 'UI', CT_IMAGE_STORAGE),
    el(0x00020003, 'UI', instanceUid),
    el(0x00020010, 'UI', EXPLICIT_LE),
    el(0x00020012, 'UI', IMPLEMENTATION_UID),
  );
  return concat(new Uint8Array(128), ascii('DICM'), el(0x00020000, 'UL', uint(group.length, 4)), group);
}

const tagOf = (element: Uint8Array): number => ((element[0]! | (element[1]! << 8)) * 0x10000 + (element[2]! | (element[3]! << 8)));

/**
 * Writes the CT file to outPath and resolves to outPath.
 *
 * @example await ctSliceDicom({ jpegPath: images + '18.jpg', outPath: tmp + '/ct.dcm', storage: 'signed', frames: 3 });
 */
export async function ctSliceDicom(opts: CtSliceOptions): Promise<string> {
  const size = opts.size ?? 512;
  const frames = opts.frames ?? 1;
  const signed = opts.storage === 'signed';
  const bitsStored = opts.bitsStored ?? (signed ? 16 : 12);
  const gray = resample(grayOf(opts.jpegPath), size);
  const hu = Array.from(gray, huFrom(opts.sourceWindow ?? DEFAULT_LUNG_WINDOW));
  const eight = opts.storage === 'gray8';

  const pixels = new Uint8Array(size * size * (eight ? 1 : 2) * frames);
  const view = new DataView(pixels.buffer);
  for (let f = 0; f < frames; f++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const source = y * size + Math.max(x - f, 0); // shifted right by f, left column repeated
        const v = hu[source]!;
        const at = ((f * size + y) * size + x) * 2;
        if (eight) pixels[at / 2] = Math.round(gray[source]!);
        else if (signed) view.setInt16(at, v, true);
        else view.setUint16(at, v + 1024, true);
      }
    }
  }

  const image = imageDataset({
    rows: size,
    columns: size,
    bitsAllocated: eight ? 8 : 16,
    bitsStored: eight ? 8 : bitsStored,
    signed,
    intercept: signed || eight ? '0' : '-1024',
    slope: '1',
    ...(frames > 1 ? { frames: String(frames) } : {}),
    ...(eight ? { center: '128', width: '256' } : opts.window ? { center: String(opts.window.center), width: String(opts.window.width) } : {}),
    pixelVR: eight ? 'OB' : 'OW',
    pixels,
  });
  const corner = (-0.35 * (size - 1)).toFixed(2); // DS is at most 16 characters
  const instanceUid = opts.instanceNumber === undefined ? INSTANCE_UID : `${INSTANCE_UID}.${opts.instanceNumber}`;
  const patient = [
    el(0x00080008, 'CS', opts.imageType ?? 'ORIGINAL\\PRIMARY\\AXIAL'),
    el(0x00080016, 'UI', CT_IMAGE_STORAGE),
    el(0x00080018, 'UI', instanceUid),
    el(0x00080060, 'CS', 'CT'),
    el(0x00100010, 'PN', 'Test^CT'),
    el(0x00100020, 'LO', 'CT-SLICE-TEST'),
    el(0x00180050, 'DS', '1'),
    el(0x0020000d, 'UI', STUDY_UID),
    el(0x0020000e, 'UI', opts.seriesInstanceUID ?? SERIES_UID),
    el(0x00200013, 'IS', String(opts.instanceNumber ?? 1)),
    el(0x00200032, 'DS', `${corner}\\${corner}\\${opts.positionZ ?? 0}`), // centred on the isocentre
    el(0x00200037, 'DS', '1\\0\\0\\0\\1\\0'),
    el(0x00200052, 'UI', FRAME_OF_REFERENCE_UID),
    el(0x00280030, 'DS', `${opts.pixelSpacingMm ?? 0.7}\\${opts.pixelSpacingMm ?? 0.7}`),
  ];
  // The builder writes the image group in order but has no slot for these; a dataset must be in
  // ascending tag order, so merge and sort (stable: one element per tag here).
  const dataset = [...patient, ...image].sort((a, b) => tagOf(a) - tagOf(b));
  await mkdir(dirname(opts.outPath), { recursive: true });
  await writeFile(opts.outPath, concat(meta(instanceUid), ...dataset));
  return opts.outPath;
}

/** Enhanced CT Image Storage (PS3.4 B.5): a whole series in one instance, geometry per frame in functional groups. */
export const ENHANCED_CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2.1';

export interface EnhancedCtOptions {
  /** One 8-bit lung-window JPEG per frame, in the order the frames are stored. */
  jpegPaths: string[];
  outPath: string;
  /** Each frame's ImagePositionPatient z in mm (the frame's own Plane Position); default 0, 1, 2, ... */
  positionsZ?: number[];
  /** Rows = Columns. Default 128. */
  size?: number;
  sopInstanceUID?: string;
  seriesInstanceUID?: string;
  /** Default CT; another value makes a multi-frame instance that is not CT. */
  modality?: string;
  /** Leave the Plane Position Sequence out of every per-frame item (frames without a position). */
  noPositions?: boolean;
  /** Put Pixel Measures per frame instead of in the shared group (a per-frame value overrides the shared one). */
  perFramePixelSpacing?: number;
  /** Default 1. */
  instanceNumber?: number;
  /** Shared Pixel Spacing in mm, both ways; default 0.7. */
  pixelSpacingMm?: number;
  /** The window the JPEGs were made with, undone to get HU; default DEFAULT_LUNG_WINDOW. */
  sourceWindow?: { center: number; width: number };
  /**
   * Store HU - intercept and put the Pixel Value Transformation (this intercept, slope 1) in each
   * per-frame item instead of the shared group, with no top-level Rescale: the frames' Modality LUT
   * is then only in the functional groups, as scanners often write enhanced CT.
   */
  perFrameRescaleIntercept?: number;
}

const sq = (tag: number, ...items: Uint8Array[][]): Uint8Array => el(tag, 'SQ', concat(...items.map((elements) => item(concat(...elements)))));
const pixelValueTransformation = (intercept: number): Uint8Array =>
  sq(0x00289145, [el(0x00281052, 'DS', String(intercept)), el(0x00281053, 'DS', '1'), el(0x00281054, 'LO', 'HU')]);
const at = (...tags: number[]): Uint8Array => concat(...tags.flatMap((t) => [uint(t >>> 16, 2), uint(t & 0xffff, 2)]));

/**
 * Writes an Enhanced CT Image file (signed HU, Explicit VR Little Endian) whose frames are the
 * given slices, each with its own Plane Position, and resolves to outPath. Shared: Pixel
 * Measures (0.7 mm, 2.5 mm thick), Plane Orientation (axial), Pixel Value Transformation
 * (intercept 0, slope 1, HU). The modules dciodvfy asks of Enhanced CT are there as far as a
 * test needs (Enhanced General Equipment, Multi-frame Dimension, Frame Content).
 * @example await enhancedCtDicom({ jpegPaths: [a, b, c], positionsZ: [5, -5, 0], outPath: tmp + '/enhanced.dcm' });
 */
export async function enhancedCtDicom(opts: EnhancedCtOptions): Promise<string> {
  const size = opts.size ?? 128;
  const frames = opts.jpegPaths.length;
  const pixels = new Uint8Array(size * size * 2 * frames);
  const view = new DataView(pixels.buffer);
  const grays = new Map<string, number[]>();
  opts.jpegPaths.forEach((path, f) => {
    let hu = grays.get(path);
    if (!hu) grays.set(path, (hu = Array.from(resample(grayOf(path), size), huFrom(opts.sourceWindow ?? DEFAULT_LUNG_WINDOW))));
    const offset = opts.perFrameRescaleIntercept ?? 0;
    hu.forEach((v, i) => view.setInt16((f * size * size + i) * 2, v - offset, true));
  });
  const uid = opts.sopInstanceUID ?? `${INSTANCE_UID}.77`;
  const corner = (-0.35 * (size - 1)).toFixed(2);
  const spacing = (mm: number) => [el(0x00180050, 'DS', '2.5'), el(0x00280030, 'DS', `${mm}\\${mm}`)];
  const DIMENSION_ORGANIZATION = `${UID_ROOT}.5`;
  const shared = [
    ...(opts.perFramePixelSpacing === undefined ? [sq(0x00289110, spacing(opts.pixelSpacingMm ?? 0.7))] : []),
    sq(0x00209116, [el(0x00200037, 'DS', '1\\0\\0\\0\\1\\0')]),
    ...(opts.perFrameRescaleIntercept === undefined ? [pixelValueTransformation(0)] : []),
  ].sort((a, b) => tagOf(a) - tagOf(b));
  const perFrame = opts.jpegPaths.map((_, f) =>
    [
      sq(0x00209111, [el(0x00209157, 'UL', uint(f + 1, 4))]),
      ...(opts.noPositions ? [] : [sq(0x00209113, [el(0x00200032, 'DS', `${corner}\\${corner}\\${opts.positionsZ?.[f] ?? f}`)])]),
      ...(opts.perFramePixelSpacing !== undefined ? [sq(0x00289110, spacing(opts.perFramePixelSpacing))] : []),
      ...(opts.perFrameRescaleIntercept !== undefined ? [pixelValueTransformation(opts.perFrameRescaleIntercept)] : []),
    ].sort((a, b) => tagOf(a) - tagOf(b)),
  );
  const image = imageDataset({ rows: size, columns: size, bitsAllocated: 16, bitsStored: 16, signed: true, frames: String(frames), pixelVR: 'OW', pixels });
  const dataset = [
    el(0x00080008, 'CS', 'ORIGINAL\\PRIMARY\\VOLUME\\NONE'),
    el(0x00080016, 'UI', ENHANCED_CT_IMAGE_STORAGE),
    el(0x00080018, 'UI', uid),
    el(0x00080020, 'DA', '20200101'),
    el(0x00080023, 'DA', '20200101'),
    el(0x0008002a, 'DT', '20200101120000'),
    el(0x00080030, 'TM', '120000'),
    el(0x00080033, 'TM', '120000'),
    el(0x00080050, 'SH', ''),
    el(0x00080060, 'CS', opts.modality ?? 'CT'),
    el(0x00080070, 'LO', 'bsnet tests'),
    el(0x00080090, 'PN', ''),
    el(0x00081090, 'LO', 'enhancedCtDicom'),
    el(0x00100010, 'PN', 'Test^CT'),
    el(0x00100020, 'LO', 'CT-SLICE-TEST'),
    el(0x00100030, 'DA', ''),
    el(0x00100040, 'CS', ''),
    el(0x00181000, 'LO', '1'),
    el(0x00181020, 'LO', '1'),
    el(0x00189004, 'CS', 'PRODUCT'),
    el(0x0020000d, 'UI', STUDY_UID),
    el(0x0020000e, 'UI', opts.seriesInstanceUID ?? SERIES_UID),
    el(0x00200010, 'SH', '1'),
    el(0x00200011, 'IS', '1'),
    el(0x00200013, 'IS', String(opts.instanceNumber ?? 1)),
    el(0x00200052, 'UI', FRAME_OF_REFERENCE_UID),
    el(0x00201040, 'LO', ''),
    sq(0x00209221, [el(0x00209164, 'UI', DIMENSION_ORGANIZATION)]),
    sq(0x00209222, [el(0x00209164, 'UI', DIMENSION_ORGANIZATION), el(0x00209165, 'AT', at(0x00200032)), el(0x00209167, 'AT', at(0x00209113))].sort((a, b) => tagOf(a) - tagOf(b))),
    el(0x00280301, 'CS', 'NO'),
    el(0x00282110, 'CS', '00'),
    el(0x20500020, 'CS', 'IDENTITY'),
    el(0x52009229, 'SQ', item(concat(...shared))),
    el(0x52009230, 'SQ', concat(...perFrame.map((elements) => item(concat(...elements))))),
    ...image,
  ].sort((a, b) => tagOf(a) - tagOf(b));
  const group = concat(
    el(0x00020001, 'OB', Uint8Array.of(0, 1)),
    el(0x00020002, 'UI', ENHANCED_CT_IMAGE_STORAGE),
    el(0x00020003, 'UI', uid),
    el(0x00020010, 'UI', EXPLICIT_LE),
    el(0x00020012, 'UI', IMPLEMENTATION_UID),
  );
  await mkdir(dirname(opts.outPath), { recursive: true });
  await writeFile(opts.outPath, concat(new Uint8Array(128), ascii('DICM'), el(0x00020000, 'UL', uint(group.length, 4)), group, ...dataset));
  return opts.outPath;
}
