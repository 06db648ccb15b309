/**
 * Wire protocol v1 between the edge and the GPU workers (`POST /v1/infer`), as zod schemas.
 *
 * Request: a frame (see frame-codec.ts) whose header is {@link InferRequestHeader} and whose
 * payload is the slices' 8-bit gray pixels at the model's input size, back to back in header
 * order. Response: a frame whose header is {@link InferResponseHeader} and whose payload is one
 * 8-bit probability map per slice (0..255 = p * 255, rounded), same order and size.
 * The worker normalises to float itself, so the edge never ships 4-byte floats.
 */
import { z } from 'zod';
import { ModelId } from './model-id.js';

export const INFER_PROTOCOL_VERSION = 1;
export const INFER_PATH = '/v1/infer';
export const INFER_REQUEST_CONTENT_TYPE = 'application/vnd.bsnet.infer-request.v1';
export const INFER_RESPONSE_CONTENT_TYPE = 'application/vnd.bsnet.infer-response.v1';

/** Largest original image side we will carry: bigger than any CT or phone photo, small enough to be sane. */
export const MAX_ORIGINAL_SIDE = 16384;

/** The longest queue deadline a request may ask for (10 minutes). */
export const INFER_MAX_DEADLINE_MS = 600_000;

const dimension = z.number().int().positive();

export const SliceMeta = z
  .object({
    /** Size of the pixels in the payload: must be the model's input size. */
    width: dimension,
    height: dimension,
    /** Size of the upload before preprocessing, carried through so the edge can map the result back. */
    originalWidth: dimension.max(MAX_ORIGINAL_SIDE),
    originalHeight: dimension.max(MAX_ORIGINAL_SIDE),
  })
  .strict();
export type SliceMeta = z.infer<typeof SliceMeta>;

export const InferRequestHeader = z
  .object({
    version: z.literal(INFER_PROTOCOL_VERSION),
    /** Opaque correlation id for logs; never patient data. */
    requestId: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/)
      .optional(),
    /**
     * Budget in ms, counted from when the worker receives the request (relative, so clock skew
     * between edge and worker does not matter). Requests still queued when it runs out get 504.
     */
    deadlineMs: z.number().int().min(1).max(INFER_MAX_DEADLINE_MS).optional(),
    slices: z.array(SliceMeta).min(1),
  })
  .strict();
export type InferRequestHeader = z.infer<typeof InferRequestHeader>;

export const InferTiming = z.object({
  /** Longest time any of the request's slices waited in the batch queue. */
  queueMs: z.number().nonnegative(),
  /** Sum of the compute time of the batches the request's slices ran in. */
  computeMs: z.number().nonnegative(),
  /** Sizes of those batches, in order: shows the caller how it was batched. */
  batchSizes: z.array(z.number().int().positive()),
});
export type InferTiming = z.infer<typeof InferTiming>;

export const InferResponseHeader = z
  .object({
    version: z.literal(INFER_PROTOCOL_VERSION),
    requestId: z.string().optional(),
    model: ModelId,
    slices: z.array(SliceMeta),
    timing: InferTiming,
  })
  .strict();
export type InferResponseHeader = z.infer<typeof InferResponseHeader>;
