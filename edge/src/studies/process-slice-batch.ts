/**
 * The study queue's consumer: a batch of slice messages is grouped by study, each group's
 * instances are read from R2 and run through the same pipeline as POST /v1/segment (tenant cache,
 * decode, preprocessing, fan-out to the GPU worker pool) in overlapping chunks, and each slice's
 * mask is stored and its outcome recorded in the study. An instance that cannot be decoded fails alone, with its
 * reason; a pool failure retries the group with backoff, and the last attempt records the slices
 * as failed rather than losing them. Uploaded bytes are deleted once their slice is settled.
 */
import { loadConfig, type EdgeBindings } from '../config.js';
import { MaskCache } from '../cache/mask-cache.js';
import { gpuWorkerPoolFor } from '../fanout/pool-registry.js';
import { logEvent } from '../http/log-event.js';
import { DEFAULT_WINDOW_OPTION } from '../imaging/window.js';
import { inferSlicesSettled, type SliceInference } from '../pipeline/infer-slices.js';
import { renderSliceOutputs } from '../pipeline/render-slice-result.js';
import type { SliceInvolvement } from '../lung/lung-involvement.js';
import type { SliceLungOutcome } from './study-schemas.js';
import { classifyUpload } from '../upload/read-slices.js';
import type { SegmentTarget } from '../upload/segment-targets.js';
import { SliceMessage, sliceId, sliceName } from './slice-message.js';
import { labelMapKey, maskKey } from './study-keys.js';
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
    const group = groups.get(key) ?? [];
    if (group.length === 0) groups.set(key, group);
    group.push({ message, slice: parsed.data });
  }
  for (const members of groups.values()) await processStudyGroup(members, env, config);
}

/**
 * Slices per inference call, and calls in flight: the pool's chunk (the GPU worker batches 8),
 * two at a time so one chunk is decoded and its masks rendered and stored while the other is
 * inferred (measured by npm run bench:study: run one after another, the GPU worker sat idle
 * about 80% of a study on the stand-in model).
 */
const CHUNK = 8;
const CHUNKS_IN_FLIGHT = 2;

type Member = { message: Message<unknown>; slice: SliceMessage };
type Present = Member & { target: SegmentTarget };

async function processStudyGroup(members: Member[], env: EdgeBindings, config: ReturnType<typeof loadConfig>): Promise<void> {
  const { tenant, studyId } = members[0]!.slice;
  const stub = studyStub(env, tenant, studyId);
  const snapshot = await stub.snapshot();
  if (!snapshot) {
    // Deleted (or expired) while queued: nothing to do, and its objects are gone already.
    for (const m of members) m.message.ack();
    return;
  }
  const requestId = crypto.randomUUID();
  const missing: SliceResultUpdate[] = [];
  const failures: SliceResultUpdate[] = [];
  // Once per instance: the frames of a multi-frame instance share its (large) bytes.
  const reads = new Map<string, Promise<Uint8Array | undefined>>();
  const uploads = await Promise.all(
    members.map((m) => {
      let bytes = reads.get(m.slice.r2Key);
      if (!bytes) reads.set(m.slice.r2Key, (bytes = env.STUDIES.get(m.slice.r2Key).then(async (o) => (o ? new Uint8Array(await o.arrayBuffer()) : undefined))));
      return bytes;
    }),
  );
  const present: Present[] = [];
  for (const [i, m] of members.entries()) {
    const bytes = uploads[i];
    if (!bytes) {
      missing.push({ ...sliceId(m.slice), state: 'failed', reason: 'upload_missing: the stored instance is gone' });
      continue;
    }
    present.push({ ...m, target: { upload: classifyUpload(bytes, 'application/dicom', 'instance'), uploadIndex: present.length, frame: m.slice.frame ?? 1, ...(m.slice.overrides ? { overrides: m.slice.overrides } : {}) } });
  }

  const pool = gpuWorkerPoolFor(config);
  const context = {
    tenant,
    model: { name: config.model.name, version: config.model.version },
    inputSize: config.model.inputSize,
    window: snapshot.study.settings.window ?? DEFAULT_WINDOW_OPTION,
    cache: new MaskCache(env.MASKS, config.cacheTtlMs, config.model.inputSize),
    infer: (inputs: Parameters<typeof pool.infer>[0]) => pool.infer(inputs, { requestId }),
    requestId,
    coalesceWaitMs: 2 * config.workerTimeoutMs,
  };
  const chunks: Present[][] = [];
  for (let i = 0; i < present.length; i += CHUNK) chunks.push(present.slice(i, i + CHUNK));
  const retry: Present[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      let settled: Awaited<ReturnType<typeof inferSlicesSettled>>;
      try {
        settled = await inferSlicesSettled(chunk.map((p) => p.target), context);
      } catch (err) {
        failedChunk(chunk, err, requestId, failures, retry);
        continue;
      }
      const done = await Promise.all(
        settled.map((result, i) => {
          const p = chunk[i]!;
          if ('error' in result) return { ...sliceId(p.slice), state: 'failed' as const, reason: `${result.error.code}: ${result.error.message}` };
          return storeMask(env, tenant, studyId, sliceName(p.slice), result, config.model.inputSize).then((u) => ({ ...u, ...sliceId(p.slice) }));
        }),
      );
      // Per chunk, so progress moves (and the first slice is done) before the batch ends.
      await settle(done);
    }
  };
  /** Records outcomes in the study and deletes the uploads it no longer needs (a multi-frame one once its last frame is settled). */
  const settle = async (outcomes: SliceResultUpdate[]): Promise<void> => {
    if (outcomes.length === 0) return;
    const { releasedKeys } = await stub.recordResults(outcomes, Date.now());
    if (releasedKeys.length > 0) await env.STUDIES.delete(releasedKeys);
  };
  await settle(missing);
  await Promise.all(Array.from({ length: Math.min(CHUNKS_IN_FLIGHT, chunks.length) }, lane));
  await settle(failures);

  for (const m of members) {
    const again = retry.find((r) => r.message === m.message);
    // Exponential backoff: 2, 4, 8, 16 s; the GPU pool may be restarting or overloaded.
    if (again) m.message.retry({ delaySeconds: 2 ** m.message.attempts });
    else m.message.ack();
  }
}

/** A chunk the pool could not serve: retried, or on its last attempt recorded as failed rather than lost. */
function failedChunk(chunk: Present[], err: unknown, requestId: string, updates: SliceResultUpdate[], retry: Present[]): void {
  const attempts = Math.max(...chunk.map((p) => p.message.attempts));
  logEvent('warn', 'study_batch_failed', { requestId, slices: chunk.length, attempts, error: err instanceof Error ? err.name : 'unknown' });
  if (attempts < MAX_ATTEMPTS) {
    retry.push(...chunk);
    return;
  }
  const reason = `processing_failed: the GPU workers did not answer after ${attempts} attempts`;
  for (const p of chunk) updates.push({ ...sliceId(p.slice), state: 'failed', reason });
}

async function storeMask(env: EdgeBindings, tenant: string, studyId: string, sop: string, inference: SliceInference, inputSize: number): Promise<SliceResultUpdate> {
  const rendered = await renderSliceOutputs(inference, inputSize, ['mask', 'lung', 'lung+infection']);
  const key = await maskKey(tenant, studyId, sop);
  const png = { httpMetadata: { contentType: 'image/png' } };
  // The label maps go beside the mask (a few KB each), for ?labels= on the mask URL.
  await Promise.all([
    env.STUDIES.put(key, rendered.pngs.mask!, png),
    env.STUDIES.put(await labelMapKey(tenant, studyId, sop, 'lung'), rendered.pngs.lung!, png),
    env.STUDIES.put(await labelMapKey(tenant, studyId, sop, 'lung+infection'), rendered.pngs['lung+infection']!, png),
  ]);
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
      lung: sliceLungOutcome(rendered.lung),
      model: inference.model,
    },
  };
}

function sliceLungOutcome(l: SliceInvolvement): SliceLungOutcome {
  const side = (p: SliceInvolvement['left']) => (p ? { pixels: p.pixels, infectedPixels: p.infectedPixels } : undefined);
  const left = side(l.left);
  const right = side(l.right);
  return {
    found: l.found,
    ...(l.failure ? { failure: l.failure } : {}),
    method: l.method,
    sides: l.sides,
    pixels: l.pixels,
    infectedPixels: l.infectedPixels,
    ...(left ? { left } : {}),
    ...(right ? { right } : {}),
  };
}

/** The dead-letter queue's consumer: messages that exhausted the queue's retries become failed slices. */
export async function failDeadLetters(batch: MessageBatch<unknown>, env: EdgeBindings): Promise<void> {
  for (const message of batch.messages) {
    const parsed = SliceMessage.safeParse(message.body);
    if (parsed.success) {
      const { tenant, studyId } = parsed.data;
      const reason = 'processing_failed: the slice could not be processed (dead-lettered)';
      const { releasedKeys } = await studyStub(env, tenant, studyId).recordResults([{ ...sliceId(parsed.data), state: 'failed', reason }], Date.now());
      if (releasedKeys.length > 0) await env.STUDIES.delete(releasedKeys);
    }
    message.ack();
  }
}
