/**
 * POST /v1/infer: a signed frame of preprocessed slices in, a frame of 8-bit probability maps
 * out (shared/infer-protocol.ts). The handler only validates and queues; the batcher decides
 * when the slices run.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { encodeFrame, maxFrameBytes } from '../../../../shared/frame-codec.js';
import {
  INFER_PATH,
  INFER_PROTOCOL_VERSION,
  INFER_REQUEST_CONTENT_TYPE,
  INFER_RESPONSE_CONTENT_TYPE,
  type InferResponseHeader,
} from '../../../../shared/infer-protocol.js';
import { mediaType } from '../../../../shared/media-type.js';
import type { AppDeps } from '../app.js';
import { parseInferRequest } from '../parse-infer-request.js';
import { verifySignature } from '../verify-signature.js';
import { requireReady } from '../require-ready.js';
import { WorkerError } from '../worker-error.js';

export function inferRoutes({ config, state, metrics, log }: AppDeps): Hono {
  const { inputSize } = state.manifest;
  const maxBodyBytes = maxFrameBytes(config.maxSlicesPerRequest * inputSize * inputSize);
  const app = new Hono();

  app.post(
    INFER_PATH,
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => {
        metrics.requestFailure.inc({ reason: 'body_too_large' });
        // The rest of the upload is never read, so this connection cannot carry another request.
        return new WorkerError(413, 'body_too_large', `request body exceeds ${maxBodyBytes} bytes (${config.maxSlicesPerRequest} slices)`, {
          field: 'body',
          headers: { connection: 'close' },
        }).toResponse();
      },
    }),
    verifySignature({ secret: config.hmacSecret, maxSkewMs: config.signatureMaxSkewMs }),
    async (c) => {
      const started = performance.now();
      if (mediaType(c.req.header('content-type')) !== INFER_REQUEST_CONTENT_TYPE) {
        throw new WorkerError(415, 'unsupported_content_type', `content-type must be ${INFER_REQUEST_CONTENT_TYPE}`);
      }
      // With every session thread lost, queued slices could only wait out their deadline: refuse
      // at once so the edge retries another GPU worker.
      const { batcher } = requireReady(state, config.executionProvider);
      const { header, slices } = parseInferRequest(new Uint8Array(await c.req.arrayBuffer()), {
        inputSize,
        maxSlicesPerRequest: config.maxSlicesPerRequest,
      });

      let result;
      try {
        result = await batcher.submit(slices, header.deadlineMs ?? config.defaultDeadlineMs);
      } catch (err) {
        // The batcher's refusals (queue_full, deadline_exceeded, shutting_down) are answers already.
        if (err instanceof WorkerError) throw err;
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
