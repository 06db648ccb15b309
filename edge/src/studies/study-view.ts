/**
 * GET /v1/studies/{id}'s answer, from what the study's Durable Object holds: status and progress,
 * delivery of the webhook and of the DICOMweb export (SEG and SR by STOW-RS), and per series its slices in patient order (series-geometry.ts) with what was skipped and why,
 * and once slices are done their infected area and the series' infected volume, from Pixel
 * Spacing and the slice spacing measured along the slice normal. A multi-frame instance's frames
 * are slices of its series like any other, each with its frame number. Lung figures per slice
 * and per series (volumes per lung, percentage involved, bands) come from series-involvement.ts.
 */
import type { InstanceHeader } from './instance-header.js';
import type { FrameRow, InstanceRow, StudyRow } from './study-rows.js';
import { orderSeries, splitFrames, volumeMl } from './series-geometry.js';
import { sliceId, sliceName, type SliceId } from './slice-message.js';
import { seriesInvolvement, type SliceLungCounts } from './series-involvement.js';
import type { SeriesLungInvolvement, SeriesView, SliceLungOutcome, SliceOutcome, SliceState, SliceView, StudyView } from './study-schemas.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** Where a slice's mask is served. */
export type MaskUrl = (slice: SliceId) => string;
/** Where a series' DICOM results are served. */
export type DicomUrl = (seriesInstanceUID: string, kind: 'seg' | 'sr') => string;

/** One slice as the view sees it: a single-frame instance, or one frame of a split one. */
interface Slice extends SliceId {
  header: InstanceHeader;
  state: SliceState;
  reason: string | null;
  outcome: SliceOutcome | null;
}

export function studyView(study: StudyRow, instances: InstanceRow[], frames: FrameRow[], maskUrl: MaskUrl, dicomUrl?: DicomUrl): StudyView {
  const framesOf = new Map<string, FrameRow[]>();
  for (const f of frames) framesOf.set(f.sopInstanceUID, [...(framesOf.get(f.sopInstanceUID) ?? []), f]);
  const bySeries = new Map<string, Slice[]>();
  for (const i of instances) {
    const key = i.header.seriesInstanceUID ?? '';
    const members = bySeries.get(key) ?? [];
    if (members.length === 0) bySeries.set(key, members);
    members.push(...slicesOf(i, framesOf.get(i.sopInstanceUID) ?? []));
  }
  const counted = [...bySeries.values()].flat().filter((s) => s.state !== 'skipped' && s.state !== 'received');
  return {
    id: study.id,
    status: study.status,
    ...(study.settings.externalId ? { externalId: study.settings.externalId } : {}),
    createdAt: iso(study.createdAt),
    ...(study.committedAt !== null ? { committedAt: iso(study.committedAt) } : {}),
    ...(study.finishedAt !== null ? { finishedAt: iso(study.finishedAt) } : {}),
    expiresAt: iso(study.expiresAt),
    progress: {
      slicesTotal: counted.length,
      slicesDone: counted.filter((i) => i.state === 'done').length,
      slicesFailed: counted.filter((i) => i.state === 'failed').length,
    },
    series: [...bySeries.values()].map((members) => seriesView(members, maskUrl, dicomUrl)),
    ...(study.webhook
      ? {
          webhook: {
            state: study.webhook.state,
            ...(study.webhook.nextAt !== null ? { nextAttemptAt: iso(study.webhook.nextAt) } : {}),
            attempts: study.webhook.attempts.map((a) => ({ ...a, at: iso(a.at) })),
          },
        }
      : {}),
    ...(study.export
      ? {
          export: {
            state: study.export.state,
            destination: study.export.destination,
            ...(study.export.nextAt !== null ? { nextAttemptAt: iso(study.export.nextAt) } : {}),
            attempts: study.export.attempts.map((a) => ({ ...a, at: iso(a.at) })),
            instances: study.export.instances,
          },
        }
      : {}),
  };
}

/**
 * An instance's slices: itself, or once split its frames with their geometry. A multi-frame
 * instance not yet committed shows its frames as received when it can be split.
 */
function slicesOf(i: InstanceRow, frames: FrameRow[]): Slice[] {
  const split = i.header.frames > 1 && (i.state === 'split' || i.state === 'received') ? splitFrames(i.header) : undefined;
  if (!split || 'reason' in split) {
    return [{ sopInstanceUID: i.sopInstanceUID, header: i.header, state: i.state === 'split' ? 'skipped' : i.state, reason: i.reason, outcome: i.outcome }];
  }
  if (i.state === 'received') return split.frames.map((header, n) => ({ sopInstanceUID: i.sopInstanceUID, frame: n + 1, header, state: 'received', reason: null, outcome: null }));
  return frames.map((f) => ({ sopInstanceUID: f.sopInstanceUID, frame: f.frame, header: split.frames[f.frame - 1]!, state: f.state, reason: f.reason, outcome: f.outcome }));
}

function seriesView(members: Slice[], maskUrl: MaskUrl, dicomUrl: DicomUrl | undefined): SeriesView {
  const first = members[0]!.header;
  const skipped = members.filter((m) => m.state === 'skipped').map((m) => ({ ...sliceId(m), reason: m.reason ?? 'skipped' }));
  const slicesOf = members.filter((m) => m.state !== 'skipped');
  const order = orderSeries(slicesOf.map((m) => ({ key: sliceName(m), header: m.header })));
  const byKey = new Map(slicesOf.map((m) => [sliceName(m), m]));
  const spacing = order.pixelSpacing;
  const slices: SliceView[] = order.slices.map((s) => {
    const m = byKey.get(s.key)!;
    const o = m.outcome;
    return {
      ...sliceId(m),
      state: m.state,
      ...(s.positionMm !== undefined ? { positionMm: round(s.positionMm, 3) } : {}),
      ...(s.instanceNumber !== undefined ? { instanceNumber: s.instanceNumber } : {}),
      ...(o
        ? {
            infectedPixels: o.infectedPixels,
            ...(spacing ? { infectedAreaMm2: round(o.infectedPixels * spacing[0] * spacing[1], 2) } : {}),
            lesionCount: o.lesionCount,
            ...(o.lung ? { lung: sliceLungView(o.lung) } : {}),
            cached: o.cached,
            maskUrl: maskUrl(m),
          }
        : {}),
      ...(m.reason && m.state === 'failed' ? { reason: m.reason } : {}),
    };
  });
  const settled = slices.length > 0 && slices.every((s) => s.state === 'done' || s.state === 'failed');
  const done = slices.filter((s) => s.state === 'done');
  const infected = done.reduce((sum, s) => sum + (s.infectedPixels ?? 0), 0);
  const lung = settled ? lungResults(order.slices.map((s) => byKey.get(s.key)!), spacing, order.sliceSpacingMm) : null;
  const most = done.reduce<SliceView | undefined>((best, s) => ((s.infectedPixels ?? 0) > (best?.infectedPixels ?? -1) ? s : best), undefined);
  return {
    seriesInstanceUID: first.seriesInstanceUID ?? null,
    modality: first.modality ?? null,
    ...(first.seriesDescription ? { seriesDescription: first.seriesDescription } : {}),
    sliceCount: slices.length,
    ...(slices.length > 0 ? { orderedBy: order.orderedBy } : {}),
    ...(order.sliceSpacingMm !== undefined ? { sliceSpacingMm: round(order.sliceSpacingMm, 4) } : {}),
    ...(order.spacingFrom ? { spacingFrom: order.spacingFrom } : {}),
    ...(spacing ? { pixelSpacing: spacing } : {}),
    slices,
    skipped,
    ...(settled
      ? {
          results: {
            infectedVolumeMl: spacing && order.sliceSpacingMm !== undefined ? round(volumeMl(infected, spacing, order.sliceSpacingMm), 3) : null,
            lung,
            mostInfectedSlice: most && (most.infectedPixels ?? 0) > 0 ? most.sopInstanceUID : null,
            ...(most && (most.infectedPixels ?? 0) > 0 && most.frame !== undefined ? { mostInfectedFrame: most.frame } : {}),
            slicesFailed: slices.length - done.length,
            ...(dicomUrl ? { dicom: first.seriesInstanceUID && done.length > 0 ? { segUrl: dicomUrl(first.seriesInstanceUID, 'seg'), srUrl: lung ? dicomUrl(first.seriesInstanceUID, 'sr') : null } : null } : {}),
          },
        }
      : {}),
  };
}

function sliceLungView(l: SliceLungOutcome): NonNullable<SliceView['lung']> {
  const share = (p: { pixels: number; infectedPixels: number } | undefined) => (p && l.found && p.pixels > 0 ? round(p.infectedPixels / p.pixels, 4) : null);
  return {
    found: l.found,
    infectedShare: share(l),
    ...(l.left ? { leftInfectedShare: share(l.left) } : {}),
    ...(l.right ? { rightInfectedShare: share(l.right) } : {}),
    ...(l.failure ? { failure: l.failure } : {}),
  };
}

/** The series' lung figures from its done slices (outcomes stored before lung masks count as no lung). */
function lungResults(members: Slice[], spacing: [number, number] | undefined, sliceSpacingMm: number | undefined): SeriesLungInvolvement | null {
  const done = members.filter((m) => m.state === 'done' && m.outcome);
  const counts: SliceLungCounts[] = done.map((m) => {
    const l = m.outcome!.lung;
    return {
      key: sliceName(m),
      found: l?.found ?? false,
      lungPixels: l?.pixels ?? 0,
      infectedInLungPixels: l?.infectedPixels ?? 0,
      ...(l?.left ? { left: l.left } : {}),
      ...(l?.right ? { right: l.right } : {}),
    };
  });
  const r = seriesInvolvement(counts, spacing, sliceSpacingMm);
  if (!r) return null;
  const { mostInvolvedSlice, ...rest } = r;
  const most = mostInvolvedSlice ? done.find((m) => sliceName(m) === mostInvolvedSlice.key) : undefined;
  return {
    ...rest,
    mostInvolvedSlice: most?.sopInstanceUID ?? null,
    ...(most?.frame !== undefined ? { mostInvolvedFrame: most.frame } : {}),
    mostInvolvedShare: mostInvolvedSlice?.infectedShare ?? null,
    lobes: 'not_segmented',
  };
}

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;
