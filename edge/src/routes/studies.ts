/**
 * The study routes: create a study, add its DICOM instances over as many calls as it takes,
 * commit it to the queue, read its progress and results (and each slice's mask), delete it.
 * Authentication, the `segment` scope, rate limits and the body limit run before these. A study
 * of another tenant is a 404, never a 403: its Durable Object is named by tenant and id.
 */
import { Hono, type Context } from 'hono';
import { sha256Hex } from '../cache/sha256-hex.js';
import { EdgeError } from '../http/edge-error.js';
import type { EdgeEnv } from '../http/edge-env.js';
import { describeIssues, issueField } from '../../../shared/zod-issue.js';
import { claimIdempotencyKey, parseIdempotencyKey } from '../studies/idempotency.js';
import { mediaType } from '../../../shared/media-type.js';
import { addInstances } from '../studies/add-instances.js';
import { MAX_FRAMES_PER_INSTANCE } from '../studies/series-geometry.js';
import { sliceName, type SliceId, type SliceMessage } from '../studies/slice-message.js';
import { labelMapKey, maskKey, newStudyId } from '../studies/study-keys.js';
import { parseLabelsParam } from '../api/segment-query.js';
import { CreateStudyBody, type InstancesAnswer } from '../studies/study-schemas.js';
import type { QueuedSlice } from '../studies/study-state.js';
import { acceptsStowResponse, DICOM_JSON, stowResponse } from '../studies/stow-response.js';
import { studyStub } from '../studies/study-stub.js';
import { studyNotFound, studyOf } from '../studies/study-of-request.js';
import { studyView } from '../studies/study-view.js';
import { checkCallbackUrl } from '../webhooks/callback-url-policy.js';

/** Queue sendBatch takes at most 100 messages. */
const QUEUE_BATCH = 100;


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

/** A UID as PS3.5 §9.1 writes it: digits and dots, at most 64 characters. */
const UID_PATTERN = /^(?=.{1,64}$)(0|[1-9]\d*)(\.(0|[1-9]\d*))*$/;

/**
 * STOW-RS Store Instances (PS3.18 §10.5): the body as DICOMweb clients send it, stored as
 * /instances stores it, answered with the Store Instances Response Module in DICOM JSON. Refusals
 * of the whole request (no such study, not receiving, framing, limits) stay problem+json.
 */
async function stow(c: Context<EdgeEnv>, studyInstanceUID: string | undefined): Promise<Response> {
  const study = studyOf(c);
  // Before the body is read: nothing is stored for an answer the client cannot take.
  if (!acceptsStowResponse(c.req.header('accept'))) {
    throw new EdgeError(406, 'not_acceptable', `STOW-RS answers in ${DICOM_JSON} (or application/json); Accept names neither`, { field: 'accept' });
  }
  if (studyInstanceUID !== undefined && !UID_PATTERN.test(studyInstanceUID)) {
    throw new EdgeError(400, 'invalid_parameter', 'the StudyInstanceUID in the path is not a UID (digits and dots, at most 64 characters)', { field: 'StudyInstanceUID' });
  }
  const type = mediaType(c.req.header('content-type'));
  if (type !== 'multipart/related') {
    throw new EdgeError(415, 'unsupported_media_type', `STOW-RS takes multipart/related; type="application/dicom", not "${type}"`, { field: 'content-type' });
  }
  const { status, body } = stowResponse(await addInstances(c, study, studyInstanceUID === undefined ? {} : { studyInstanceUID }));
  return c.body(JSON.stringify(body), status, { 'content-type': DICOM_JSON });
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
    const { stored, rejected } = await addInstances(c, studyOf(c));
    const answer: InstancesAnswer = {
      accepted: stored.length,
      rejected: rejected.length,
      instances: stored.map(({ index, sopInstanceUID }) => ({ index, sopInstanceUID })),
      rejections: rejected.map(({ index, source, code, reason }) => ({ index, source, code, reason })),
    };
    return c.json(answer, 200);
  })

  // DICOMweb STOW-RS (PS3.18 §10.5) into this study: the study's DICOMweb root is /v1/studies/{id}/dicomweb/.
  .post('/:id/dicomweb/studies', async (c) => stow(c, undefined))
  .post('/:id/dicomweb/studies/:study', async (c) => stow(c, c.req.param('study')))

  .post('/:id/commit', async (c) => {
    const { id, stub } = studyOf(c);
    const tenant = c.var.principal.tenant;
    const committed = await stub.commit(Date.now());
    if (!committed) {
      const snapshot = await stub.snapshot();
      if (!snapshot) throw studyNotFound();
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
    if (!snapshot) throw studyNotFound();
    return c.json(studyView(snapshot.study, snapshot.instances, snapshot.frames, (s) => maskPath(id, s), (series, kind) => `${location(id)}/series/${encodeURIComponent(series)}/${kind}`));
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
    if (!(await stub.purge())) throw studyNotFound();
    return c.body(null, 204);
  });
