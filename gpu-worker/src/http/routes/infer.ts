/**
 * POST /v1/infer: a signed frame of preprocessed slices in, a frame of 8-bit probability maps
 * out (shared/infer-protocol.ts). The handler only validates and queues; the batcher decides
 * when the slices run.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { encodeFrame, MAX_FRAME_HEADER_BYTES } from '../../../../shared/frame-codec.js';
import {
  INFER_PATH,
  INFER_PROTOCOL_VERSION,
  INFER_REQUEST_CONTENT_TYPE,
  INFER_RESPONSE_CONTENT_TYPE,
  type InferResponseHeader,
} from '../../../../shared/infer-protocol.js';
import type { WorkerConfig } from '../../config.js';
import { DeadlineExceededError, QueueFullError, ShuttingDownError } from '../../inference/batcher.js';
import { log } from '../../log.js';
import type { WorkerMetrics } from '../../metrics/worker-metrics.js';
import type { RuntimeState } from '../../runtime-state.js';
import { parseInferRequest } from '../parse-infer-request.js';
import { verifySignature } from '../verify-signature.js';
import { problemResponse, WorkerError } from '../worker-error.js';

export function inferRoutes(config: WorkerConfig, state: RuntimeState, metrics: WorkerMetrics): Hono {
  const { inputSize } = state.manifest;
  const maxBodyBytes = 8 + MAX_FRAME_HEADER_BYTES + config.maxSlicesPerRequest * inputSize * inputSize;
  const app = new Hono();

  app.post(
    INFER_PATH,
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => {
        metrics.requestFailure.inc({ reason: 'body_too_large' });
        const err = new WorkerError(413, 'body_too_large', `request body exceeds ${maxBodyBytes} bytes (${config.maxSlicesPerRequest} slices)`);
        // The rest of the upload is never read, so this connection cannot carry another request.
        return problemResponse(c, err, { connection: 'close' });
      },
    }),
    verifySignature({ secret: config.hmacSecret, maxSkewMs: config.signatureMaxSkewMs }),
    async (c) => {
      const started = performance.now();
      const contentType = c.req.header('content-type')?.split(';')[0]?.trim();
      if (contentType !== INFER_REQUEST_CONTENT_TYPE) {
        throw new WorkerError(415, 'unsupported_content_type', `content-type must be ${INFER_REQUEST_CONTENT_TYPE}`);
      }
      const { batcher } = state;
      if (state.phase !== 'ready' || !batcher) {
        throw new WorkerError(503, `not_ready_${state.phase}`, `model is ${state.phase}`, { retryAfter: 5 });
      }
      const { header, slices } = parseInferRequest(new Uint8Array(await c.req.arrayBuffer()), {
        inputSize,
        maxSlicesPerRequest: config.maxSlicesPerRequest,
      });

      let result;
      try {
        result = await batcher.submit(slices, header.deadlineMs ?? config.defaultDeadlineMs);
      } catch (err) {
        if (err instanceof QueueFullError) {
          throw new WorkerError(503, 'queue_full', 'the inference queue is full; retry later', { retryAfter: err.retryAfterSeconds });
        }
        if (err instanceof ShuttingDownError) throw new WorkerError(503, 'shutting_down', err.message, { retryAfter: 1 });
        if (err instanceof DeadlineExceededError) throw new WorkerError(504, 'deadline_exceeded', err.message);
        log.error('inference failed', { requestId: header.requestId, error: (err as Error).message });
        throw new WorkerError(500, 'inference_failed', 'the model failed to run this batch');
      }

      const response: InferResponseHeader = {
        version: INFER_PROTOCOL_VERSION,
        ...(header.requestId ? { requestId: header.requestId } : {}),
        model: { name: state.manifest.name, version: state.manifest.version },
        slices: header.slices,
        timing: { queueMs: result.queueMs, computeMs: result.computeMs, batchSizes: result.batchSizes },
      };
      metrics.requestSuccess.inc();
      metrics.requestDuration.observe((performance.now() - started) / 1000);
      const body = encodeFrame(response, result.probabilities);
      return c.body(body as Uint8Array<ArrayBuffer>, 200, { 'content-type': INFER_RESPONSE_CONTENT_TYPE });
    },
  );
  return app;
}
