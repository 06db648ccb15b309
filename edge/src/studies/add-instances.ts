/**
 * Stores the DICOM instances of one upload into a receiving study: the one code path behind
 * `POST /v1/studies/{id}/instances` and the study's DICOMweb STOW-RS endpoint, which differ only
 * in how they answer. Each part is judged alone (not DICOM, too many frames, a duplicate, another
 * study) and the rest go on; what fails the whole request (no such study, a study past receiving,
 * bad framing, a limit, a slow body, a storage outage) is thrown as an EdgeError or left to the
 * app's error handler.
 */
import type { Context } from 'hono';
import { sha256Hex } from '../cache/sha256-hex.js';
import { DecodeError } from '../decode/decoded-image.js';
import { EdgeError } from '../http/edge-error.js';
import type { EdgeEnv } from '../http/edge-env.js';
import { withUploadQuota } from '../quota/rate-limit.js';
import { DICOM_MAX_PIXELS } from '../upload/decode-upload.js';
import { readInstanceHeader } from './instance-header.js';
import { readInstanceParts, type PartRejection } from './read-instance-parts.js';
import { MAX_FRAMES_PER_INSTANCE } from './series-geometry.js';
import { instanceKey } from './study-keys.js';
import type { AddInstanceResult, NewInstance } from './study-state.js';
import { studyNotFound, type StudyRef } from './study-of-request.js';

/** Per upload call: instances (parts or zip entries) and what a zip may inflate to (the isolate has 128 MB). */
const MAX_INSTANCES_PER_CALL = 1000;
const MAX_UNZIPPED_BYTES = 48 * 1024 * 1024;


export interface AddInstancesOptions {
  /**
   * STOW-RS to /studies/{StudyInstanceUID}: instances of another study are refused
   * (`study_uid_mismatch`) before their bytes are stored.
   */
  studyInstanceUID?: string;
}

/** An instance now in the study. */
export interface StoredInstance {
  index: number;
  sopInstanceUID: string;
  sopClassUID?: string;
}

/** A part or instance refused, with the UIDs its header gave when it could be read. */
export interface RejectedInstance extends PartRejection {
  sopInstanceUID?: string;
  sopClassUID?: string;
}

export interface AddedInstances {
  /** In body order. */
  stored: StoredInstance[];
  /** In body order. */
  rejected: RejectedInstance[];
}

const notReceiving = (status: string): EdgeError =>
  new EdgeError(409, 'study_not_receiving', `the study is ${status}: instances are taken only before commit`, { field: 'id' });

/**
 * Reads the request's instances and adds them to the study. Throws EdgeError 404 study_not_found,
 * 409 study_not_receiving, and readInstanceParts' 400/408/413/415; an upload token pays per
 * instance read, refunded when this throws.
 *
 * @example
 * const { stored, rejected } = await addInstances(c, studyOf(c), { studyInstanceUID: c.req.param('study') });
 */
export async function addInstances(c: Context<EdgeEnv>, study: StudyRef, options: AddInstancesOptions = {}): Promise<AddedInstances> {
  const { id, stub } = study;
  const snapshot = await stub.snapshot();
  if (!snapshot) throw studyNotFound();
  if (snapshot.study.status !== 'receiving') throw notReceiving(snapshot.study.status);
  const { parts, rejected } = await readInstanceParts(c.req.raw, {
    maxParts: MAX_INSTANCES_PER_CALL,
    maxZipEntries: MAX_INSTANCES_PER_CALL,
    maxUnzippedBytes: MAX_UNZIPPED_BYTES,
    bodyTimeoutMs: c.var.config.bodyTimeoutMs,
  });
  const tenant = c.var.principal.tenant;
  return withUploadQuota(c, parts.length, async () => {
    const rejections: RejectedInstance[] = [...rejected];
    const fresh: (NewInstance & { index: number; source: string })[] = [];
    for (const part of parts) {
      let header: NewInstance['header'];
      try {
        header = await readInstanceHeader(part.bytes, { maxPixels: DICOM_MAX_PIXELS });
      } catch (err) {
        // Anything else (a bug, an outage) fails the request; a part that is not a readable image fails alone.
        if (!(err instanceof DecodeError)) throw err;
        rejections.push({ index: part.index, source: part.source, code: err.code, reason: err.message });
        continue;
      }
      const uids = { ...(header.sopInstanceUID ? { sopInstanceUID: header.sopInstanceUID } : {}), ...(header.sopClassUID ? { sopClassUID: header.sopClassUID } : {}) };
      if (options.studyInstanceUID !== undefined && header.studyInstanceUID !== options.studyInstanceUID) {
        const its = header.studyInstanceUID ? `is ${header.studyInstanceUID}` : 'is absent';
        rejections.push({ index: part.index, source: part.source, ...uids, code: 'study_uid_mismatch', reason: `its Study Instance UID (0020,000D) ${its}, not the ${options.studyInstanceUID} of the request URL` });
        continue;
      }
      if (header.frames > MAX_FRAMES_PER_INSTANCE) {
        // Each frame becomes a slice, a queue message and a mask: a bound like the per-call one on instances.
        rejections.push({ index: part.index, source: part.source, ...uids, code: 'too_many_frames', reason: `NumberOfFrames (0028,0008) is ${header.frames}, more than the ${MAX_FRAMES_PER_INSTANCE} frames a study takes in one instance` });
        continue;
      }
      const sha256 = await sha256Hex(part.bytes);
      const r2Key = instanceKey(tenant, id, sha256);
      await c.env.STUDIES.put(r2Key, part.bytes);
      fresh.push({ index: part.index, source: part.source, r2Key, sha256, header });
    }
    const added = await stub.addInstances(fresh.map(({ r2Key, sha256, header }) => ({ r2Key, sha256, header })));
    if (added.unusedKeys.length > 0) await c.env.STUDIES.delete(added.unusedKeys);
    // Committed or purged while this body was read.
    if (added.status !== 'receiving') throw notReceiving(added.status ?? 'gone');
    const stored: StoredInstance[] = [];
    added.results.forEach((r: AddInstanceResult, i: number) => {
      const f = fresh[i]!;
      const sopClassUID = f.header.sopClassUID ? { sopClassUID: f.header.sopClassUID } : {};
      if (r.accepted) stored.push({ index: f.index, sopInstanceUID: r.sopInstanceUID, ...sopClassUID });
      else rejections.push({ index: f.index, source: f.source, ...(r.sopInstanceUID ? { sopInstanceUID: r.sopInstanceUID } : {}), ...sopClassUID, code: r.code, reason: r.reason });
    });
    rejections.sort((a, b) => a.index - b.index);
    return { stored, rejected: rejections };
  });
}
