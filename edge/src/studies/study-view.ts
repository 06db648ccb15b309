/**
 * GET /v1/studies/{id}'s answer, from what the study's Durable Object holds: status and progress,
 * and per series its slices in patient order (series-geometry.ts) with what was skipped and why,
 * and once slices are done their infected area and the series' infected volume, from Pixel
 * Spacing and the slice spacing measured along the slice normal.
 */
import type { InstanceRow, StudyRow } from './study-rows.js';
import { orderSeries, volumeMl } from './series-geometry.js';
import type { SeriesView, SliceView, StudyView } from './study-schemas.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export function studyView(study: StudyRow, instances: InstanceRow[], maskUrl: (sop: string) => string): StudyView {
  const counted = instances.filter((i) => i.state !== 'skipped' && i.state !== 'received');
  const bySeries = new Map<string, InstanceRow[]>();
  for (const i of instances) {
    const key = i.header.seriesInstanceUID ?? '';
    const members = bySeries.get(key) ?? [];
    if (members.length === 0) bySeries.set(key, members);
    members.push(i);
  }
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
    series: [...bySeries.values()].map((members) => seriesView(members, maskUrl)),
    ...(study.webhook
      ? {
          webhook: {
            state: study.webhook.state,
            ...(study.webhook.nextAt !== null ? { nextAttemptAt: iso(study.webhook.nextAt) } : {}),
            attempts: study.webhook.attempts.map((a) => ({ ...a, at: iso(a.at) })),
          },
        }
      : {}),
  };
}

function seriesView(members: InstanceRow[], maskUrl: (sop: string) => string): SeriesView {
  const first = members[0]!.header;
  const skipped = members.filter((m) => m.state === 'skipped').map((m) => ({ sopInstanceUID: m.sopInstanceUID, reason: m.reason ?? 'skipped' }));
  const slicesOf = members.filter((m) => m.state !== 'skipped');
  const order = orderSeries(slicesOf.map((m) => ({ key: m.sopInstanceUID, header: m.header })));
  const byKey = new Map(slicesOf.map((m) => [m.sopInstanceUID, m]));
  const spacing = order.pixelSpacing;
  const slices: SliceView[] = order.slices.map((s) => {
    const m = byKey.get(s.key)!;
    const o = m.outcome;
    return {
      sopInstanceUID: s.key,
      state: m.state,
      ...(s.positionMm !== undefined ? { positionMm: round(s.positionMm, 3) } : {}),
      ...(s.instanceNumber !== undefined ? { instanceNumber: s.instanceNumber } : {}),
      ...(o
        ? {
            infectedPixels: o.infectedPixels,
            ...(spacing ? { infectedAreaMm2: round(o.infectedPixels * spacing[0] * spacing[1], 2) } : {}),
            lesionCount: o.lesionCount,
            cached: o.cached,
            maskUrl: maskUrl(s.key),
          }
        : {}),
      ...(m.reason && m.state === 'failed' ? { reason: m.reason } : {}),
    };
  });
  const settled = slices.length > 0 && slices.every((s) => s.state === 'done' || s.state === 'failed');
  const done = slices.filter((s) => s.state === 'done');
  const infected = done.reduce((sum, s) => sum + (s.infectedPixels ?? 0), 0);
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
            mostInfectedSlice: most && (most.infectedPixels ?? 0) > 0 ? most.sopInstanceUID : null,
            slicesFailed: slices.length - done.length,
          },
        }
      : {}),
  };
}

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;
