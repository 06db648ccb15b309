/**
 * The DICOM objects a study yields, per CT series once its slices are settled: a SEG of the
 * infection and lung masks (seg-build.ts) and a TID 1500 SR of the series' lung figures
 * (sr-build.ts) that references it. What GET .../seg and .../sr answer and what the DICOMweb
 * export sends; built on request from what the study keeps (headers in its Durable Object, masks
 * in R2), with UIDs derived from the study, so every build says the same.
 */
import { decodePng } from '../decode/png.js';
import { EdgeError } from '../http/edge-error.js';
import { splitFrames } from '../studies/series-geometry.js';
import { sliceName } from '../studies/slice-message.js';
import { labelMapKey, maskKey } from '../studies/study-keys.js';
import type { FrameRow, InstanceRow, StudyRow } from '../studies/study-rows.js';
import type { InstanceHeader } from '../studies/instance-header-schema.js';
import type { SeriesView } from '../studies/study-schemas.js';
import { studyView } from '../studies/study-view.js';
import { derivedUid } from './derived-uid.js';
import { EQUIPMENT } from './equipment.js';
import { buildSegmentation, packMask, SEGMENTATION_SOP_CLASS_UID, type SegSourceSlice } from './seg-build.js';
import { buildStructuredReport, COMPREHENSIVE_SR_SOP_CLASS_UID } from './sr-build.js';

export interface StudySnapshot {
  study: StudyRow;
  instances: InstanceRow[];
  frames: FrameRow[];
}

export interface DicomObject {
  kind: 'seg' | 'sr';
  /** Of the source series the object describes. */
  sourceSeriesInstanceUID: string;
  studyInstanceUID: string;
  sopClassUID: string;
  sopInstanceUID: string;
  /** A DICOM Part 10 file. */
  bytes: Uint8Array;
}

export interface ModelName {
  name: string;
  version: string;
}

/** The derived objects' UIDs: named by tenant, study and source series, so another tenant's are never the same. */
async function objectUids(study: StudyRow, sourceSeries: string) {
  const name = (what: string) => derivedUid('bsnet-api', study.tenant, study.id, sourceSeries, what);
  return {
    seg: { seriesInstanceUID: await name('seg-series'), sopInstanceUID: await name('seg-instance'), dimensionOrganizationUID: await name('seg-dimensions') },
    sr: { seriesInstanceUID: await name('sr-series'), sopInstanceUID: await name('sr-instance'), deviceObserverUID: await name('device-observer'), trackingUID: (group: string) => name(`tracking ${group}`) },
  };
}

/** Every series of the study whose slices are settled, with at least one done: SEG, then SR. */
export async function studyDicomObjects(bucket: R2Bucket, snapshot: StudySnapshot, model: ModelName): Promise<DicomObject[]> {
  const view = studyView(snapshot.study, snapshot.instances, snapshot.frames, () => '');
  const out: DicomObject[] = [];
  for (const series of view.series) {
    if (!series.seriesInstanceUID || !series.results || !series.slices.some((s) => s.state === 'done')) continue;
    out.push(...(await seriesObjects(bucket, snapshot, series, model, ['seg', 'sr'])));
  }
  return out;
}

/** Mask reads in flight while a SEG is built: R2 round trips overlap, the packed masks stay small. */
const MASK_READS_IN_FLIGHT = 8;

/**
 * The SEG and SR of one series (or only the `kinds` asked for: the SR needs the SEG's UIDs, not
 * its masks). Throws EdgeError: 404 `series_not_found` (not in the study), 409
 * `series_not_ready` (slices still queued, or none done), 422 `series_geometry_missing` (no Frame
 * of Reference, orientation or spacing: a SEG could not place its frames).
 */
export async function seriesDicomObjects(
  bucket: R2Bucket,
  snapshot: StudySnapshot,
  seriesInstanceUID: string,
  model: ModelName,
  kinds: readonly DicomObject['kind'][] = ['seg', 'sr'],
): Promise<DicomObject[]> {
  const view = studyView(snapshot.study, snapshot.instances, snapshot.frames, () => '');
  const series = view.series.find((s) => s.seriesInstanceUID === seriesInstanceUID);
  if (!series) throw new EdgeError(404, 'series_not_found', 'no series with this Series Instance UID in the study', { field: 'seriesUid' });
  return seriesObjects(bucket, snapshot, series, model, kinds);
}

/** seriesDicomObjects for a series of the study's view (studyDicomObjects builds the view once for all). */
async function seriesObjects(bucket: R2Bucket, snapshot: StudySnapshot, series: SeriesView, model: ModelName, kinds: readonly DicomObject['kind'][]): Promise<DicomObject[]> {
  const { study } = snapshot;
  const seriesInstanceUID = series.seriesInstanceUID!;
  const done = series.slices.filter((s) => s.state === 'done');
  if (!series.results || done.length === 0) {
    throw new EdgeError(409, 'series_not_ready', series.results ? 'no slice of this series was segmented' : 'the series still has slices to segment', { field: 'seriesUid' });
  }
  const rows = new Map(snapshot.instances.map((i) => [i.sopInstanceUID, i]));
  const headers = done.map((s) => sliceHeader(rows.get(s.sopInstanceUID)!, s.frame));
  const first = headers[0]!;
  const geometry = { frameOfReferenceUID: first.frameOfReferenceUID, imageOrientationPatient: first.imageOrientationPatient, pixelSpacing: first.pixelSpacing };
  const missing = Object.entries(geometry).filter(([, v]) => v === undefined).map(([k]) => k);
  if (missing.length > 0 || headers.some((h) => !h.imagePositionPatient)) {
    throw new EdgeError(422, 'series_geometry_missing', `the series lacks ${[...missing, ...(headers.some((h) => !h.imagePositionPatient) ? ['imagePositionPatient'] : [])].join(', ')}: a segmentation could not place its frames`, { field: 'seriesUid' });
  }
  // The model that made the masks, as the slices recorded it; `model` (the configured one) for outcomes stored before they did.
  const firstDone = done[0]!;
  const outcome = firstDone.frame === undefined ? rows.get(firstDone.sopInstanceUID)?.outcome : snapshot.frames.find((f) => f.sopInstanceUID === firstDone.sopInstanceUID && f.frame === firstDone.frame)?.outcome;
  const madeBy = outcome?.model ?? model;
  const studyInstanceUID = study.studyInstanceUID ?? first.studyInstanceUID!;
  const patientStudy = snapshot.instances.find((i) => i.header.patientStudy)?.header.patientStudy;
  const uids = await objectUids(study, seriesInstanceUID);
  const createdAt = study.finishedAt ?? study.committedAt ?? study.createdAt;

  const sources = done.map((s, i) => ({ sopClassUID: headers[i]!.sopClassUID ?? '', sopInstanceUID: s.sopInstanceUID }));
  const out: DicomObject[] = [];
  if (kinds.includes('seg')) {
    const slices: SegSourceSlice[] = new Array(done.length);
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let i = next++; i < done.length; i = next++) {
        const s = done[i]!;
        // The same objects GET .../mask and ?labels=lung answer.
        const [infection, lung] = await Promise.all([readMask(bucket, await maskKey(study.tenant, study.id, sliceName(s))), readMask(bucket, await labelMapKey(study.tenant, study.id, sliceName(s), 'lung'))]);
        slices[i] = { ...sources[i]!, ...(s.frame !== undefined ? { frame: s.frame } : {}), imagePositionPatient: headers[i]!.imagePositionPatient!, infection, lung };
      }
    };
    await Promise.all(Array.from({ length: Math.min(MASK_READS_IN_FLIGHT, done.length) }, lane));
    const seg = buildSegmentation({
      studyInstanceUID,
      patientStudy,
      source: {
        seriesInstanceUID,
        ...(first.seriesNumber !== undefined ? { seriesNumber: first.seriesNumber } : {}),
        frameOfReferenceUID: geometry.frameOfReferenceUID!,
        rows: first.rows,
        columns: first.columns,
        imageOrientationPatient: geometry.imageOrientationPatient!,
        pixelSpacing: geometry.pixelSpacing!,
        ...(first.sliceThickness !== undefined ? { sliceThickness: first.sliceThickness } : {}),
        slices,
      },
      uids: uids.seg,
      createdAt,
      model: madeBy,
      softwareVersion: EQUIPMENT.softwareVersion,
    });
    out.push({ kind: 'seg', sourceSeriesInstanceUID: seriesInstanceUID, studyInstanceUID, sopClassUID: SEGMENTATION_SOP_CLASS_UID, sopInstanceUID: uids.seg.sopInstanceUID, bytes: seg });
  }
  const lung = series.results.lung;
  if (lung && kinds.includes('sr')) {
    const sr = await buildStructuredReport({
      studyInstanceUID,
      patientStudy,
      source: { seriesInstanceUID, ...(first.seriesNumber !== undefined ? { seriesNumber: first.seriesNumber } : {}), instances: uniqueInstances(sources) },
      seg: { seriesInstanceUID: uids.seg.seriesInstanceUID, sopInstanceUID: uids.seg.sopInstanceUID, infectionSegment: 1, lungSegment: 2 },
      measurements: lung,
      uids: uids.sr,
      createdAt,
      model: madeBy,
      softwareVersion: EQUIPMENT.softwareVersion,
    });
    out.push({ kind: 'sr', sourceSeriesInstanceUID: seriesInstanceUID, studyInstanceUID, sopClassUID: COMPREHENSIVE_SR_SOP_CLASS_UID, sopInstanceUID: uids.sr.sopInstanceUID, bytes: sr });
  }
  return out;
}

/** A slice's header: the instance's, or for a frame of a multi-frame instance that frame's (per-frame geometry). */
function sliceHeader(row: InstanceRow, frame: number | undefined): InstanceHeader {
  if (frame === undefined) return row.header;
  const split = splitFrames(row.header);
  if ('reason' in split) throw new Error(`a done frame of an instance that does not split: ${split.reason}`);
  return { ...split.frames[frame - 1]!, sopClassUID: row.header.sopClassUID };
}

/** A stored mask PNG (the infection mask, or a lung label map), packed to bits. */
async function readMask(bucket: R2Bucket, key: string): Promise<Uint8Array> {
  const object = await bucket.get(key);
  if (!object) throw new EdgeError(404, 'mask_not_found', 'a mask of this series is no longer stored (the study is past its retention or was deleted)', { field: 'seriesUid' });
  const image = decodePng(new Uint8Array(await object.arrayBuffer()));
  if (image.kind !== 'gray') throw new Error('a stored mask is not a gray PNG');
  return packMask(image.data);
}

function uniqueInstances(slices: { sopClassUID: string; sopInstanceUID: string }[]): { sopClassUID: string; sopInstanceUID: string }[] {
  const seen = new Map<string, string>();
  for (const s of slices) seen.set(s.sopInstanceUID, s.sopClassUID);
  return [...seen].map(([sopInstanceUID, sopClassUID]) => ({ sopClassUID, sopInstanceUID }));
}
