/**
 * The inference half of a segment request, independent of HTTP: hash each upload, answer from
 * the tenant's cache where possible, decode and preprocess the misses to the model's input one
 * at a time (so a series never holds more than one decoded image), run all misses through the
 * GPU worker pool in one fan-out, and store the new results with each upload's lung mask (made
 * from the decoded pixels, so a hit needs no decode). An identical upload another request
 * of this isolate is inferring right now is waited for instead (in-flight-keys.ts). render-slice-result.ts turns each
 * probability map into what the caller gets.
 */
import { sameModel, type ModelId } from '../../../shared/model-id.js';
import { workerdCodecWasm } from '../decode/dicom/codecs/codec-wasm.workerd.js';
import { DecodeError } from '../decode/decoded-image.js';
import { cacheObjectKey, type CachedInference, type MaskCache } from '../cache/mask-cache.js';
import { sha256Hex } from '../cache/sha256-hex.js';
import type { ModelSlice } from '../fanout/model-slice.js';
import { logEvent } from '../http/log-event.js';
import { toGray8 } from '../imaging/to-gray8.js';
import { toModelInput } from '../imaging/model-input.js';
import { windowKey, type WindowOption } from '../imaging/window.js';
import { decodeUpload, type DecodedUpload } from '../upload/decode-upload.js';
import { withUploadField } from '../upload/upload-field-error.js';
import { claimKey, isClaimed, releaseKey } from './in-flight-keys.js';
import { sliceLungMask } from '../lung/slice-lung.js';
import { storedLung, type StoredLung } from '../lung/stored-lung.js';
import type { SegmentTarget } from '../upload/segment-targets.js';

/** How often a request waiting for an identical upload looks in the cache. */
const COALESCE_POLL_MS = 50;

export interface InferSlicesContext {
  tenant: string;
  model: ModelId;
  inputSize: number;
  window: WindowOption;
  cache: MaskCache;
  /** Runs the network on model inputs, results in order (the GPU worker pool). */
  infer(slices: ModelSlice[]): Promise<{ probabilities: Uint8Array[]; model: ModelId }>;
  requestId: string;
  /** The longest a request waits for an identical upload another request is inferring. */
  coalesceWaitMs: number;
}

export interface SliceInference extends CachedInference {
  sha256: string;
  cached: boolean;
  model: ModelId;
}

interface Miss {
  index: number;
  key: string;
  sha256: string;
  input: ModelSlice;
  lung: StoredLung;
}

/** An R2 outage degrades to a miss: the cache saves work, it must never fail a request. */
function readCache(ctx: InferSlicesContext, key: string): Promise<CachedInference | undefined> {
  return ctx.cache.get(key).catch((err: unknown) => {
    logEvent('warn', 'cache_read_failed', { requestId: ctx.requestId, error: err instanceof Error ? err.name : 'unknown' });
    return undefined;
  });
}

/**
 * `fieldOf` names an upload by its index in the request, for errors. Results come in `targets`
 * order. The first upload that cannot be decoded fails the whole call (before any inference).
 */
export async function inferSlices(targets: SegmentTarget[], ctx: InferSlicesContext, fieldOf: (uploadIndex: number) => string): Promise<SliceInference[]> {
  return (await run(targets, ctx, fieldOf, 'throw')) as SliceInference[];
}

/** A target that could not be decoded, in inferSlicesSettled's answer. */
export interface UndecodableSlice {
  error: DecodeError;
}

/**
 * inferSlices for work where each slice stands alone (a study's queue batch): an upload that
 * cannot be decoded is answered with its DecodeError in its place, and the others still run.
 */
export async function inferSlicesSettled(targets: SegmentTarget[], ctx: InferSlicesContext): Promise<(SliceInference | UndecodableSlice)[]> {
  return run(targets, ctx, String, 'collect');
}

async function run(
  targets: SegmentTarget[],
  ctx: InferSlicesContext,
  fieldOf: (uploadIndex: number) => string,
  undecodable: 'throw' | 'collect',
): Promise<(SliceInference | UndecodableSlice)[]> {
  const results: (SliceInference | UndecodableSlice | undefined)[] = new Array(targets.length);
  const misses: Miss[] = [];
  const window = windowKey(ctx.window);
  // Frames of one upload share its hash.
  const hashes = new Map<number, string>();

  for (const [index, { upload, uploadIndex, frame, overrides }] of targets.entries()) {
    const rescale = overrides?.rescale;
    let sha256 = hashes.get(uploadIndex);
    if (sha256 === undefined) hashes.set(uploadIndex, (sha256 = await sha256Hex(upload.bytes)));
    const key = await cacheObjectKey({ tenant: ctx.tenant, uploadSha256: sha256, model: ctx.model, inputSize: ctx.inputSize, window, frame, ...(overrides ? { overrides } : {}) });
    const hit = await readCache(ctx, key);
    if (hit) {
      results[index] = { ...hit, sha256, cached: true, model: ctx.model };
      continue;
    }
    let input: ModelSlice;
    let lung: StoredLung;
    try {
      const decoded = withFrameGeometry(await decodeUpload(upload, workerdCodecWasm, frame - 1, rescale), overrides);
      const gray = toGray8(decoded, ctx.window);
      input = toModelInput(gray, ctx.inputSize);
      // Made here, where the decoded pixels (Hounsfield units for CT) are, and cached with the map.
      lung = storedLung(sliceLungMask(decoded, gray));
      // A phone photo decoded at reduced scale still answers at the size the caller sent.
      if (decoded.kind === 'gray' && decoded.sourceWidth !== undefined && decoded.sourceHeight !== undefined) {
        input = { ...input, originalWidth: decoded.sourceWidth, originalHeight: decoded.sourceHeight };
      }
    } catch (err) {
      if (undecodable === 'collect' && err instanceof DecodeError) {
        results[index] = { error: err };
        continue;
      }
      throw withUploadField(err, fieldOf(uploadIndex));
    }
    misses.push({ index, key, sha256, input, lung });
  }

  // Identical uploads in flight elsewhere in this isolate are waited for, not inferred again.
  const own = misses.filter((m) => claimKey(m.key));
  const theirs = misses.filter((m) => !own.includes(m));
  try {
    if (own.length > 0) await inferAndStore(own, ctx, results);
  } finally {
    for (const m of own) releaseKey(m.key);
  }
  const left: Miss[] = [];
  for (const m of theirs) {
    const hit = await waitForPeer(m.key, ctx);
    if (hit) results[m.index] = { ...hit, sha256: m.sha256, cached: true, model: ctx.model };
    else left.push(m);
  }
  // The other request failed, or served a model it could not cache: run these ourselves.
  if (left.length > 0) await inferAndStore(left, ctx, results);
  return results as (SliceInference | UndecodableSlice)[];
}

/** A frame's spacing and orientation from its functional groups, over what the file's top level said. */
function withFrameGeometry(decoded: DecodedUpload, overrides: SegmentTarget['overrides']): DecodedUpload {
  if (!overrides?.pixelSpacingMm && !overrides?.imageOrientationPatient) return decoded;
  const geometry = { ...decoded.geometry };
  if (overrides.pixelSpacingMm) geometry.pixelSpacingMm = overrides.pixelSpacingMm;
  if (overrides.imageOrientationPatient) geometry.imageOrientationPatient = overrides.imageOrientationPatient;
  return { ...decoded, geometry };
}

/** Polls the cache while another request holds `key`; its result, or undefined when it gave up. */
async function waitForPeer(key: string, ctx: InferSlicesContext): Promise<CachedInference | undefined> {
  const started = Date.now();
  while (isClaimed(key, ctx.coalesceWaitMs) && Date.now() - started < ctx.coalesceWaitMs) {
    await new Promise((r) => setTimeout(r, COALESCE_POLL_MS));
  }
  return readCache(ctx, key);
}

/** Runs `misses` through the GPU worker pool in one fan-out and stores what may be cached. */
async function inferAndStore(misses: Miss[], ctx: InferSlicesContext, results: (SliceInference | UndecodableSlice | undefined)[]): Promise<void> {
  const out = await ctx.infer(misses.map((m) => m.input));
  // A GPU worker serving another model version (mid-rollout) is answered but never cached under
  // this version's key, so the cache cannot mix two models' results.
  const cacheable = sameModel(out.model, ctx.model);
  if (!cacheable) logEvent('warn', 'model_version_mismatch', { requestId: ctx.requestId, expected: ctx.model.version, served: out.model.version });
  const writes: Promise<void>[] = [];
  for (const [i, m] of misses.entries()) {
    const value: CachedInference = { probability: out.probabilities[i]!, originalWidth: m.input.originalWidth, originalHeight: m.input.originalHeight, lung: m.lung };
    results[m.index] = { ...value, sha256: m.sha256, cached: false, model: out.model };
    if (cacheable) writes.push(ctx.cache.put(m.key, value));
  }
  // Awaited rather than left to waitUntil: a client repeating the upload right away (or waiting
  // on this one) then gets the hit, and the write (≤ 124 KB per slice) is small next to the
  // inference it follows. A failed write costs a future miss, never this answer.
  await Promise.all(writes).catch((err: unknown) =>
    logEvent('warn', 'cache_write_failed', { requestId: ctx.requestId, error: err instanceof Error ? err.name : 'unknown' }),
  );
}
