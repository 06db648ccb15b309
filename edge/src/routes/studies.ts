/**
 * The study routes: create a study, add its DICOM instances over as many calls as it takes,
 * commit it to the queue, read its progress and results (and each slice's mask), delete it.
 * Authentication, the `segment` scope, rate limits and the body limit run before these. A study
 * of another tenant is a 404, never a 403: its Durable Object is named by tenant and id.
 */
import { Hono, type Context } from 'hono';
import { DecodeError } from '../decode/decoded-image.js';
import { sha256Hex } from '../cache/sha256-hex.js';
import { EdgeError } from '../http/edge-error.js';
import type { EdgeEnv } from '../http/edge-env.js';
import { describeIssues, issueField } from '../../../shared/zod-issue.js';
import { withUploadQuota } from '../quota/rate-limit.js';
import { claimIdempotencyKey, parseIdempotencyKey } from '../studies/idempotency.js';
import { readInstanceHeader } from '../studies/instance-header.js';
import { readInstanceParts, type PartRejection } from '../studies/read-instance-parts.js';
import { MAX_FRAMES_PER_INSTANCE } from '../studies/series-geometry.js';
import { sliceName, type SliceId, type SliceMessage } from '../studies/slice-message.js';
import { instanceKey, labelMapKey, maskKey, newStudyId, STUDY_ID_PATTERN } from '../studies/study-keys.js';
import { parseLabelsParam } from '../api/segment-query.js';
import { CreateStudyBody, type InstancesAnswer } from '../studies/study-schemas.js';
import type { AddInstanceResult, NewInstance, QueuedSlice } from '../studies/study-state.js';
import { studyStub } from '../studies/study-stub.js';
import { studyView } from '../studies/study-view.js';
import { checkCallbackUrl } from '../webhooks/callback-url-policy.js';
import { DICOM_MAX_PIXELS } from '../upload/decode-upload.js';

/** Per upload call: instances (parts or zip entries) and what a zip may inflate to (the isolate has 128 MB). */
const MAX_INSTANCES_PER_CALL = 1000;
const MAX_UNZIPPED_BYTES = 48 * 1024 * 1024;
/** Queue sendBatch takes at most 100 messages. */
const QUEUE_BATCH = 100;

const notFound = (): EdgeError => new EdgeError(404, 'study_not_found', 'no such study', { field: 'id' });

function studyOf(c: Context<EdgeEnv>): { id: string; stub: ReturnType<typeof studyStub> } {
  const id = c.req.param('id') ?? '';
  if (!STUDY_ID_PATTERN.test(id)) throw notFound();
  return { id, stub: studyStub(c.env, c.var.principal.tenant, id) };
}

const location = (id: string): string => `/v1/studies/${id}`;

/** A slice's mask URL: by SOP Instance UID, and for a frame of a multi-frame instance by frame too, as DICOMweb names frames. */
function maskPath(id: string, s: SliceId): string {
  const slice = `${location(id)}/slices/${encodeURIComponent(s.sopInstanceUID)}`;
  return s.frame === undefined ? `${slice}/mask` : `${slice}/frames/${s.frame}/mask`;
}

async function mask(c: Context<EdgeEnv>, slice: SliceId): Promise<Response> {
  const { id } = studyOf(c);
  const labels = parseLabelsParam(new URL(c.req.url).searchParams);
  const tenant = c.var.principal.tenant;
  const key = labels === 'infection' ? await maskKey(tenant, id, sliceName(slice)) : await labelMapKey(tenant, id, sliceName(slice), labels);
  const object = await c.env.STUDIES.get(key);
  if (!object) throw new EdgeError(404, 'mask_not_found', 'no mask for this slice (not processed, failed, or the study is gone)', { field: 'sop' });
  return c.body(new Uint8Array(await object.arrayBuffer()) as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'image/png' });
}

export const studiesRoute = new Hono<EdgeEnv>()
  .post('/', async (c) => {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    let json: unknown = {};
    if (raw.length > 0) {
      try {
        json = JSON.parse(new TextDecoder().decode(raw));
      } catch {
        throw new EdgeError(400, 'invalid_json', 'the body is not JSON', { field: 'body' });
      }
    }
    const parsed = CreateStudyBody.safeParse(json);
    if (!parsed.success) {
      throw new EdgeError(400, 'invalid_parameter', describeIssues(parsed.error), { field: issueField(parsed.error.issues[0]!) || 'body' });
    }
    if (parsed.data.callbackUrl !== undefined) {
      const allowed = checkCallbackUrl(parsed.data.callbackUrl, { development: c.var.config.development });
      if (!allowed.ok) throw new EdgeError(400, 'invalid_parameter', `callbackUrl: ${allowed.reason}`, { field: 'callbackUrl' });
    }
    const tenant = c.var.principal.tenant;
    const key = parseIdempotencyKey(c.req.header('idempotency-key'));
    const bodySha256 = await sha256Hex(raw);
    const now = Date.now();
    let id = newStudyId();
    if (key !== undefined) id = await claimIdempotencyKey(c.env.DB, { tenant, key, studyId: id, bodySha256, now });
    const { study, created } = await studyStub(c.env, tenant, id).create({ id, tenant, settings: parsed.data, bodySha256, now });
    c.header('location', location(id));
    return c.json({ id, status: study.status, ...(parsed.data.externalId ? { externalId: parsed.data.externalId } : {}), url: location(id) }, created ? 201 : 200);
  })

  .post('/:id/instances', async (c) => {
    const { id, stub } = studyOf(c);
    const snapshot = await stub.snapshot();
    if (!snapshot) throw notFound();
    if (snapshot.study.status !== 'receiving') {
      throw new EdgeError(409, 'study_not_receiving', `the study is ${snapshot.study.status}: instances are taken only before commit`, { field: 'id' });
    }
    const config = c.var.config;
    const { parts, rejected } = await readInstanceParts(c.req.raw, {
      maxParts: MAX_INSTANCES_PER_CALL,
      maxZipEntries: MAX_INSTANCES_PER_CALL,
      maxUnzippedBytes: MAX_UNZIPPED_BYTES,
      bodyTimeoutMs: config.bodyTimeoutMs,
    });
    const tenant = c.var.principal.tenant;
    // An upload token pays per instance; a failure below gives them back.
    return withUploadQuota(c, parts.length, async () => {
      const rejections: PartRejection[] = [...rejected];
      const fresh: (NewInstance & { index: number; source: string })[] = [];
      for (const part of parts) {
        try {
          const header = await readInstanceHeader(part.bytes, { maxPixels: DICOM_MAX_PIXELS });
          if (header.frames > MAX_FRAMES_PER_INSTANCE) {
            // Each frame becomes a slice, a queue message and a mask: a bound like the per-call one on instances.
            rejections.push({ index: part.index, source: part.source, code: 'too_many_frames', reason: `NumberOfFrames (0028,0008) is ${header.frames}, more than the ${MAX_FRAMES_PER_INSTANCE} frames a study takes in one instance` });
            continue;
          }
          const sha256 = await sha256Hex(part.bytes);
          const r2Key = instanceKey(tenant, id, sha256);
          await c.env.STUDIES.put(r2Key, part.bytes);
          fresh.push({ index: part.index, source: part.source, r2Key, sha256, header });
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err;
          rejections.push({ index: part.index, source: part.source, code: err.code, reason: err.message });
        }
      }
      const added = await stub.addInstances(fresh.map(({ r2Key, sha256, header }) => ({ r2Key, sha256, header })));
      if (added.unusedKeys.length > 0) await c.env.STUDIES.delete(added.unusedKeys);
      if (added.status !== 'receiving') {
        throw new EdgeError(409, 'study_not_receiving', `the study is ${added.status ?? 'gone'}: instances are taken only before commit`, { field: 'id' });
      }
      const accepted: { index: number; sopInstanceUID: string }[] = [];
      added.results.forEach((r: AddInstanceResult, i: number) => {
        const f = fresh[i]!;
        if (r.accepted) accepted.push({ index: f.index, sopInstanceUID: r.sopInstanceUID });
        else rejections.push({ index: f.index, source: f.source, code: r.code, reason: r.reason });
      });
      rejections.sort((a, b) => a.index - b.index);
      const answer: InstancesAnswer = { accepted: accepted.length, rejected: rejections.length, instances: accepted, rejections };
      return c.json(answer, 200);
    });
  })

  .post('/:id/commit', async (c) => {
    const { id, stub } = studyOf(c);
    const tenant = c.var.principal.tenant;
    const committed = await stub.commit(Date.now());
    if (!committed) {
      const snapshot = await stub.snapshot();
      if (!snapshot) throw notFound();
      throw new EdgeError(409, 'study_not_receiving', `the study is ${snapshot.study.status}: it can be committed once, while receiving`, { field: 'id' });
    }
    const messages: MessageSendRequest<SliceMessage>[] = committed.queued.map((q: QueuedSlice) => ({
      body: { tenant, studyId: id, sopInstanceUID: q.sopInstanceUID, ...(q.frame !== undefined ? { frame: q.frame } : {}), ...(q.overrides ? { overrides: q.overrides } : {}), r2Key: q.r2Key },
    }));
    for (let i = 0; i < messages.length; i += QUEUE_BATCH) await c.env.SLICES.sendBatch(messages.slice(i, i + QUEUE_BATCH));
    if (committed.unusedKeys.length > 0) await c.env.STUDIES.delete(committed.unusedKeys);
    c.header('location', location(id));
    return c.json({ id, status: committed.status, slicesQueued: committed.queued.length }, 202);
  })

  .get('/:id', async (c) => {
    const { id, stub } = studyOf(c);
    const snapshot = await stub.snapshot();
    if (!snapshot) throw notFound();
    return c.json(studyView(snapshot.study, snapshot.instances, snapshot.frames, (s) => maskPath(id, s)));
  })

  .get('/:id/slices/:sop/mask', async (c) => mask(c, { sopInstanceUID: c.req.param('sop') }))
  .get('/:id/slices/:sop/frames/:frame/mask', async (c) => {
    const frame = c.req.param('frame');
    // DICOMweb's frame numbers (PS3.18 10.4.1.1.4): from 1, no leading zero, at most MAX_FRAMES_PER_INSTANCE.
    if (!/^[1-9]\d{0,3}$/.test(frame) || Number(frame) > MAX_FRAMES_PER_INSTANCE) {
      throw new EdgeError(404, 'mask_not_found', `no frame ${JSON.stringify(frame.slice(0, 16))}: frames are numbered 1 to ${MAX_FRAMES_PER_INSTANCE}`, { field: 'frame' });
    }
    return mask(c, { sopInstanceUID: c.req.param('sop'), frame: Number(frame) });
  })

  .delete('/:id', async (c) => {
    const { stub } = studyOf(c);
    if (!(await stub.purge())) throw notFound();
    return c.body(null, 204);
  });
