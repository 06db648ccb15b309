/**
 * The study queue's consumer: a batch of slice messages is grouped by study, each group's
 * instances are read from R2 and run through the same pipeline as POST /v1/segment (tenant cache,
 * decode, preprocessing, one fan-out to the GPU worker pool), and each slice's mask is stored
 * and its outcome recorded in the study. An instance that cannot be decoded fails alone, with its
 * reason; a pool failure retries the group with backoff, and the last attempt records the slices
 * as failed rather than losing them. Uploaded bytes are deleted once their slice is settled.
 */
import { loadConfig, type EdgeBindings } from '../config.js';
import { MaskCache } from '../cache/mask-cache.js';
import { gpuWorkerPoolFor } from '../fanout/pool-registry.js';
import { logEvent } from '../http/log-event.js';
import { DEFAULT_WINDOW_OPTION } from '../imaging/window.js';
import { inferSlicesSettled, type SliceInference } from '../pipeline/infer-slices.js';
import { renderSliceResult } from '../pipeline/render-slice-result.js';
import { classifyUpload } from '../upload/read-slices.js';
import type { SegmentTarget } from '../upload/segment-targets.js';
import { sha256Hex } from '../cache/sha256-hex.js';
import { SliceMessage } from './slice-message.js';
import { maskKey } from './study-keys.js';
import type { SliceResultUpdate } from './study-state.js';
import { studyStub } from './study-stub.js';

/** Attempts per message before its slice is recorded as failed (the queue's max_retries + 1). */
export const MAX_ATTEMPTS = 5;

export async function processSliceBatch(batch: MessageBatch<unknown>, env: EdgeBindings): Promise<void> {
  const config = loadConfig(env);
  const groups = new Map<string, { message: Message<unknown>; slice: SliceMessage }[]>();
  for (const message of batch.messages) {
    const parsed = SliceMessage.safeParse(message.body);
    if (!parsed.success) {
      // Not ours to retry: a message this code cannot read never becomes readable.
      logEvent('error', 'study_message_invalid', { queue: batch.queue });
      message.ack();
      continue;
    }
    const key = `${parsed.data.tenant}/${parsed.data.studyId}`;
    groups.set(key, [...(groups.get(key) ?? []), { message, slice: parsed.data }]);
  }
  for (const members of groups.values()) await processStudyGroup(members, env, config);
}

async function processStudyGroup(members: { message: Message<unknown>; slice: SliceMessage }[], env: EdgeBindings, config: ReturnType<typeof loadConfig>): Promise<void> {
  const { tenant, studyId } = members[0]!.slice;
  const stub = studyStub(env, tenant, studyId);
  const snapshot = await stub.snapshot();
  if (!snapshot) {
    // Deleted (or expired) while queued: nothing to do, and its objects are gone already.
    for (const m of members) m.message.ack();
    return;
  }
  const requestId = crypto.randomUUID();
  const updates: SliceResultUpdate[] = [];
  const present: { message: Message<unknown>; slice: SliceMessage; target: SegmentTarget }[] = [];
  for (const m of members) {
    const object = await env.STUDIES.get(m.slice.r2Key);
    if (!object) {
      updates.push({ sopInstanceUID: m.slice.sopInstanceUID, state: 'failed', reason: 'upload_missing: the stored instance is gone' });
      continue;
    }
    const bytes = new Uint8Array(await object.arrayBuffer());
    present.push({ ...m, target: { upload: classifyUpload(bytes, 'application/dicom', 'instance'), uploadIndex: present.length, frame: 1 } });
  }

  let settled: Awaited<ReturnType<typeof inferSlicesSettled>>;
  try {
    const pool = gpuWorkerPoolFor(config);
    settled = await inferSlicesSettled(
      present.map((p) => p.target),
      {
        tenant,
        model: { name: config.model.name, version: config.model.version },
        inputSize: config.model.inputSize,
        window: snapshot.study.settings.window ?? DEFAULT_WINDOW_OPTION,
        cache: new MaskCache(env.MASKS, config.cacheTtlMs, config.model.inputSize),
        infer: (inputs) => pool.infer(inputs, { requestId }),
        requestId,
        coalesceWaitMs: 2 * config.workerTimeoutMs,
      },
    );
  } catch (err) {
    const attempts = Math.max(...present.map((p) => p.message.attempts));
    logEvent('warn', 'study_batch_failed', { requestId, slices: present.length, attempts, error: err instanceof Error ? err.name : 'unknown' });
    if (attempts < MAX_ATTEMPTS) {
      // Exponential backoff: 2, 4, 8, 16 s; the GPU pool may be restarting or overloaded.
      for (const p of present) p.message.retry({ delaySeconds: 2 ** attempts });
      if (updates.length > 0) await stub.recordResults(updates, Date.now());
      for (const m of members) if (!present.some((p) => p.message === m.message)) m.message.ack();
      return;
    }
    const reason = `processing_failed: the GPU workers did not answer after ${attempts} attempts`;
    for (const p of present) updates.push({ sopInstanceUID: p.slice.sopInstanceUID, state: 'failed', reason });
    settled = [];
  }

  for (const [i, result] of settled.entries()) {
    const p = present[i]!;
    if ('error' in result) {
      updates.push({ sopInstanceUID: p.slice.sopInstanceUID, state: 'failed', reason: `${result.error.code}: ${result.error.message}` });
      continue;
    }
    updates.push(await storeMask(env, tenant, studyId, p.slice.sopInstanceUID, result, config.model.inputSize));
  }
  await stub.recordResults(updates, Date.now());
  // Settled slices no longer need their upload; a retried one keeps it.
  const settledKeys = members.filter((m) => updates.some((u) => u.sopInstanceUID === m.slice.sopInstanceUID)).map((m) => m.slice.r2Key);
  if (settledKeys.length > 0) await env.STUDIES.delete(settledKeys);
  for (const m of members) m.message.ack();
}

async function storeMask(env: EdgeBindings, tenant: string, studyId: string, sop: string, inference: SliceInference, inputSize: number): Promise<SliceResultUpdate> {
  const rendered = await renderSliceResult(inference, inputSize, false);
  const key = maskKey(tenant, studyId, await sha256Hex(sop));
  await env.STUDIES.put(key, rendered.png, { httpMetadata: { contentType: 'image/png' } });
  return {
    sopInstanceUID: sop,
    state: 'done',
    maskKey: key,
    outcome: {
      infectedPixels: rendered.stats.infectedPixels,
      lesionCount: rendered.stats.lesionCount,
      width: inference.originalWidth,
      height: inference.originalHeight,
      cached: inference.cached,
    },
  };
}

/** The dead-letter queue's consumer: messages that exhausted the queue's retries become failed slices. */
export async function failDeadLetters(batch: MessageBatch<unknown>, env: EdgeBindings): Promise<void> {
  for (const message of batch.messages) {
    const parsed = SliceMessage.safeParse(message.body);
    if (parsed.success) {
      const { tenant, studyId, sopInstanceUID, r2Key } = parsed.data;
      await studyStub(env, tenant, studyId).recordResults([{ sopInstanceUID, state: 'failed', reason: 'processing_failed: the slice could not be processed (dead-lettered)' }], Date.now());
      await env.STUDIES.delete(r2Key);
    }
    message.ack();
  }
}
