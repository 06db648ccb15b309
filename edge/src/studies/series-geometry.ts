/**
 * Puts a series' slices in order along the patient axis and checks that they make one volume,
 * from their headers alone (PS3.3 C.7.6.2.1.1): which slices to leave out of a study, which do
 * not match the rest, and how far apart the slices are, so a volume in ml can be given. Pure.
 */
import { z } from 'zod';
import { Orientation, PixelSpacing, Vec3, type FrameGeometry, type InstanceHeader } from './instance-header-schema.js';

/** Why a slice is not part of the volume at all, whatever the rest of its series is. */
export const SkipReason = z.enum(['localizer', 'not_ct']);
export type SkipReason = z.infer<typeof SkipReason>;

export const SeriesOrder = z.object({
  /** 'position': along the slice normal; 'instance_number': some slice had no position; 'upload': nor an InstanceNumber. */
  orderedBy: z.enum(['position', 'instance_number', 'upload']),
  /** Why the order is not by position; absent when it is. */
  orderNote: z.string().optional(),
  /** The ordered slices, ascending along the normal (feet to head for a head-first axial series). */
  slices: z.array(z.object({ key: z.string(), positionMm: z.number().optional(), instanceNumber: z.number().int().optional() })),
  /** Slices whose size, orientation or pixel spacing differs from the series' (the most common); not ordered. */
  inconsistent: z.array(z.object({ key: z.string(), reason: z.string() })),
  /** Slices at the position (or InstanceNumber) of one kept in `slices`; not ordered. */
  duplicates: z.array(z.object({ key: z.string(), duplicateOf: z.string(), positionMm: z.number().optional() })),
  /** Distance between slices along the normal in mm (the median of consecutive distances). */
  sliceSpacingMm: z.number().positive().optional(),
  spacingFrom: z.enum(['positions', 'slice_thickness']).optional(),
  /** The series' geometry: what every slice in `slices` has. */
  rows: z.number().int().positive().optional(),
  columns: z.number().int().positive().optional(),
  pixelSpacing: PixelSpacing.optional(),
  imageOrientationPatient: Orientation.optional(),
  /** Row cosines x column cosines, unit length: the axis `positionMm` is measured along. */
  normal: Vec3.optional(),
});
export type SeriesOrder = z.infer<typeof SeriesOrder>;

/** Cosines and mm within this are the same (writers round to 4-6 decimals). */
const TOLERANCE = 1e-3;
/** CT Image Type value 3 (PS3.3 C.8.2.1.1.1) is AXIAL or LOCALIZER; SCOUT is what some vendors write. */
const LOCALIZER_TYPES = new Set(['LOCALIZER', 'SCOUT']);

/**
 * Why this instance is no slice of a CT volume, or undefined when it may be one. Multi-frame
 * instances are not skipped: their frames are slices handled elsewhere.
 * @example skipReason(await readInstanceHeader(bytes)) // 'localizer' for a scout view
 */
export function skipReason(h: InstanceHeader): SkipReason | undefined {
  // Any value, not only value 3: writers put LOCALIZER where they like, and no axial slice says it.
  if (h.imageType.some((value) => LOCALIZER_TYPES.has(value.toUpperCase()))) return 'localizer';
  if (h.modality !== undefined && h.modality !== 'CT') return 'not_ct';
  return undefined;
}

/** A study refuses instances of more frames than this at upload (as many as one upload call's instances). */
export const MAX_FRAMES_PER_INSTANCE = 1000;

/** A frame's header as a slice, with its own Modality LUT when it differs from the top level's. */
export type FrameHeader = InstanceHeader & { rescale?: { slope: number; intercept: number } };

/**
 * A multi-frame (enhanced CT) instance as one header per frame, each a slice like a single-frame
 * instance's: the top level's attributes, overridden by the shared functional group's geometry,
 * overridden by the frame's own (PS3.3 C.7.6.16.1). Frames carry no InstanceNumber of their own
 * (the instance's would make them all duplicates when a series falls back to that order).
 * Returns why the instance cannot be split instead: not CT, no position for some frame (its order
 * in space would be a guess). A frame whose Modality LUT (Pixel Value Transformation) differs from
 * the top level's carries it as `rescale`, for the decoder.
 * @example const split = splitFrames(header); if ('reason' in split) skip(split.reason);
 */
export function splitFrames(h: InstanceHeader): { frames: FrameHeader[] } | { reason: string } {
  if (h.modality !== 'CT') return { reason: `not_ct: a multi-frame instance of modality ${h.modality ?? '(absent)'}; only CT frames are slices` };
  if (h.frames > MAX_FRAMES_PER_INSTANCE) return { reason: `too_many_frames: ${h.frames} frames, more than ${MAX_FRAMES_PER_INSTANCE}` };
  const groups = h.functionalGroups;
  const perFrame = groups?.perFrame ?? [];
  if (!groups || perFrame.length !== h.frames) {
    return {
      reason: `multi_frame_geometry: the Per-frame Functional Groups Sequence (5200,9230) has ${perFrame.length} item(s) for NumberOfFrames ${h.frames}, so frames have no position of their own`,
    };
  }
  const base: InstanceHeader = { ...h };
  delete base.functionalGroups;
  delete base.instanceNumber;
  delete base.malformed;
  const frames: FrameHeader[] = [];
  for (const [i, own] of perFrame.entries()) {
    const effective = { ...groups.shared, ...own };
    if (!own.imagePositionPatient) {
      return { reason: `multi_frame_geometry: frame ${i + 1} has no Plane Position Sequence (0020,9113) > ImagePositionPatient (0020,0032) of its own${frameNote(h, i)}` };
    }
    const slope = effective.rescaleSlope ?? 1;
    const intercept = effective.rescaleIntercept ?? 0;
    const top = groups.topLevelRescale;
    // The frame's own Modality LUT travels with its queue message to the decoder, which would
    // otherwise apply the top level's to every frame.
    const rescale = slope !== top.slope || intercept !== top.intercept ? { rescale: { slope, intercept } } : {};
    frames.push({ ...base, ...withoutUndefined(geometryOf(effective)), frames: 1, ...rescale });
  }
  return { frames };
}

function geometryOf(g: FrameGeometry): Pick<InstanceHeader, 'imagePositionPatient' | 'imageOrientationPatient' | 'pixelSpacing' | 'sliceThickness'> {
  return { imagePositionPatient: g.imagePositionPatient, imageOrientationPatient: g.imageOrientationPatient, pixelSpacing: g.pixelSpacing, sliceThickness: g.sliceThickness };
}

/** The reader's messages about frame `i` (a position that was there but malformed). */
function frameNote(h: InstanceHeader, i: number): string {
  const message = h.malformed?.find((m) => m.startsWith(`frame ${i + 1}: `));
  return message ? ` (${message})` : '';
}

interface Slice {
  key: string;
  header: InstanceHeader;
  /** Place in the upload, the last tie-break. */
  index: number;
}

/**
 * Orders a series (the slices the caller kept after skipReason). The most common geometry (rows x
 * columns, orientation, pixel spacing) is the series'; slices that differ are `inconsistent`. The
 * rest are ordered by position along the normal when every one has ImagePositionPatient (and the
 * series an orientation), else by InstanceNumber, else as uploaded.
 * @example const order = orderSeries(headers.map(([key, header]) => ({ key, header })));
 */
export function orderSeries(slices: { key: string; header: InstanceHeader }[]): SeriesOrder {
  const { members, inconsistent } = splitByGeometry(slices.map((s, index) => ({ ...s, index })));
  const reference = members[0]?.header;
  const orientation = reference?.imageOrientationPatient;
  const normal = orientation && unitNormal(orientation);
  const positioned = members.map((slice) => ({ ...slice, positionMm: normal && positionAlong(slice.header, normal) }));

  const noPosition = positioned.filter((s) => s.positionMm === undefined);
  const noNumber = positioned.filter((s) => s.header.instanceNumber === undefined);
  let orderedBy: SeriesOrder['orderedBy'];
  let orderNote: string | undefined;
  let order: Ordered;
  if (members.length === 0) {
    [orderedBy, orderNote, order] = ['upload', 'the series has no slices', { kept: [], duplicates: [] }];
  } else if (normal && noPosition.length === 0) {
    [orderedBy, order] = ['position', byPosition(positioned)];
  } else {
    orderNote = normal ? `ImagePositionPatient (0020,0032) is absent on ${count(noPosition)}` : 'the series has no usable ImageOrientationPatient (0020,0037)';
    if (noNumber.length === 0) {
      [orderedBy, order] = ['instance_number', byInstanceNumber(positioned)];
    } else {
      orderNote += `, and InstanceNumber (0020,0013) is absent on ${count(noNumber)}`;
      [orderedBy, order] = ['upload', { kept: positioned, duplicates: [] }];
    }
  }

  const spacing = orderedBy === 'position' && order.kept.length >= 2 ? spacingFromPositions(order.kept) : spacingFromThickness(order.kept);
  return withoutUndefined({
    orderedBy,
    orderNote,
    slices: order.kept.map((s) => withoutUndefined({ key: s.key, positionMm: s.positionMm, instanceNumber: s.header.instanceNumber })),
    inconsistent,
    duplicates: order.duplicates,
    ...spacing,
    rows: reference?.rows,
    columns: reference?.columns,
    pixelSpacing: reference?.pixelSpacing,
    imageOrientationPatient: orientation,
    normal,
  });
}

/**
 * The volume of `pixelCount` voxels in ml (1 ml = 1000 mm3). With the spacing measured along the
 * normal this is right for gantry-tilted (sheared) series too: a slanted slab's volume is its
 * cross-section times its perpendicular thickness.
 * @example volumeMl(mask.infectedPixels, order.pixelSpacing, order.sliceSpacingMm) // 12.6
 */
export function volumeMl(pixelCount: number, pixelSpacing: [number, number], sliceSpacingMm: number): number {
  if (!Number.isSafeInteger(pixelCount) || pixelCount < 0) throw new RangeError(`pixelCount must be a non-negative integer, got ${pixelCount}`);
  pixelSpacing.forEach((mm, i) => requireLength(`pixelSpacing[${i}]`, mm));
  requireLength('sliceSpacingMm', sliceSpacingMm);
  return (pixelCount * pixelSpacing[0] * pixelSpacing[1] * sliceSpacingMm) / 1000;
}

function requireLength(name: string, mm: number): void {
  if (!Number.isFinite(mm) || mm <= 0) throw new RangeError(`${name} must be a positive number of mm, got ${mm}`);
}

/** Groups slices of the same geometry; the largest group (the first seen of equal ones) is the series. */
function splitByGeometry(slices: Slice[]): { members: Slice[]; inconsistent: SeriesOrder['inconsistent'] } {
  const groups: Slice[][] = [];
  for (const slice of slices) {
    const group = groups.find((g) => differences(slice.header, g[0]!.header).length === 0);
    if (group) group.push(slice);
    else groups.push([slice]);
  }
  const largest = groups.reduce<Slice[]>((best, g) => (g.length > best.length ? g : best), []);
  const reference = largest[0]?.header;
  const inconsistent = slices
    .filter((s) => !largest.includes(s))
    .map((s) => ({ key: s.key, reason: differences(s.header, reference!).join('; ') }));
  return { members: largest, inconsistent };
}

/** What in `h`'s geometry differs from the series' `ref`, in words; [] when nothing does. */
function differences(h: InstanceHeader, ref: InstanceHeader): string[] {
  const out: string[] = [];
  if (h.rows !== ref.rows || h.columns !== ref.columns) out.push(`${h.columns}x${h.rows} pixels, the series' are ${ref.columns}x${ref.rows}`);
  const compare = (name: 'ImageOrientationPatient' | 'PixelSpacing', mine: number[] | undefined, theirs: number[] | undefined) => {
    if (mine === undefined && theirs === undefined) return;
    if (mine === undefined) out.push(`${name} is absent${whyAbsent(h, name)}, the series' is ${show(theirs!)}`);
    else if (theirs === undefined) out.push(`${name} is ${show(mine)}, the series has none`);
    else if (mine.some((v, i) => Math.abs(v - theirs[i]!) > TOLERANCE)) out.push(`${name} ${show(mine)} differs from the series' ${show(theirs)}`);
  };
  compare('ImageOrientationPatient', h.imageOrientationPatient, ref.imageOrientationPatient);
  compare('PixelSpacing', h.pixelSpacing, ref.pixelSpacing);
  return out;
}

/** The reader's message when the attribute was there but malformed. */
function whyAbsent(h: InstanceHeader, name: string): string {
  const message = h.malformed?.find((m) => m.startsWith(`${name} `));
  return message ? ` (${message})` : '';
}

type Positioned = Slice & { positionMm: number | undefined };
type Ordered = { kept: Positioned[]; duplicates: SeriesOrder['duplicates'] };

/** Ties (duplicates) keep the lowest InstanceNumber, then the first uploaded. */
const preferred = (a: Positioned, b: Positioned): number =>
  (a.header.instanceNumber ?? Infinity) - (b.header.instanceNumber ?? Infinity) || a.index - b.index;

function byPosition(slices: Positioned[]): Ordered {
  const sorted = [...slices].sort((a, b) => a.positionMm! - b.positionMm! || preferred(a, b));
  const kept: Positioned[] = [];
  const duplicates: Ordered['duplicates'] = [];
  // Slices within TOLERANCE of the first of a run are one position; the preferred one stays.
  for (let start = 0; start < sorted.length; ) {
    let end = start + 1;
    while (end < sorted.length && sorted[end]!.positionMm! - sorted[start]!.positionMm! <= TOLERANCE) end++;
    const [keeper, ...others] = sorted.slice(start, end).sort(preferred);
    kept.push(keeper!);
    for (const other of others) duplicates.push({ key: other.key, duplicateOf: keeper!.key, positionMm: other.positionMm! });
    start = end;
  }
  return { kept, duplicates };
}

function byInstanceNumber(slices: Positioned[]): Ordered {
  const sorted = [...slices].sort(preferred);
  const kept: Positioned[] = [];
  const duplicates: Ordered['duplicates'] = [];
  for (const slice of sorted) {
    const last = kept.at(-1);
    if (last && last.header.instanceNumber === slice.header.instanceNumber) {
      duplicates.push(withoutUndefined({ key: slice.key, duplicateOf: last.key, positionMm: slice.positionMm }));
    } else kept.push(slice);
  }
  return { kept, duplicates };
}

type Spacing = Pick<SeriesOrder, 'sliceSpacingMm' | 'spacingFrom'>;

/** The median, so one missing slice (a gap of twice the spacing) does not move it. */
function spacingFromPositions(kept: Positioned[]): Spacing {
  const steps = kept.slice(1).map((s, i) => s.positionMm! - kept[i]!.positionMm!);
  return { sliceSpacingMm: median(steps), spacingFrom: 'positions' };
}

/**
 * SliceThickness is the reconstructed slab's width, which may differ from the spacing (overlapping
 * reconstructions), so it is only the fallback, and only when every slice agrees on it.
 */
function spacingFromThickness(kept: Positioned[]): Spacing {
  const values = kept.map((s) => s.header.sliceThickness);
  const first = values[0];
  if (first === undefined || values.some((v) => v === undefined || Math.abs(v - first) > TOLERANCE)) return {};
  return { sliceSpacingMm: first, spacingFrom: 'slice_thickness' };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Undefined for parallel or zero cosines, which span no plane (the reader refuses them; a stored header may not). */
function unitNormal([rx, ry, rz, cx, cy, cz]: Orientation): Vec3 | undefined {
  const n: Vec3 = [ry * cz - rz * cy, rz * cx - rx * cz, rx * cy - ry * cx];
  const length = Math.hypot(...n);
  // `+ 0` turns -0 into 0: it is the same number, but not to a deep-equal, and it reads oddly.
  return length < 0.5 ? undefined : [n[0] / length + 0, n[1] / length + 0, n[2] / length + 0];
}

function positionAlong(h: InstanceHeader, normal: Vec3): number | undefined {
  const p = h.imagePositionPatient;
  return p && p[0] * normal[0] + p[1] * normal[1] + p[2] * normal[2] + 0;
}

const show = (values: number[]): string => values.map((v) => +v.toFixed(6)).join('\\');
const count = (slices: Slice[]): string =>
  `${slices.length} slice(s): ${slices.slice(0, 5).map((s) => s.key).join(', ')}${slices.length > 5 ? ', ...' : ''}`;

/** Absent means absent: no `key: undefined` in what is stored and compared. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
