/**
 * The GPU worker's metrics, named in the spirit of Triton's (nv_inference_*): request success and
 * failure, inference and execution counts, pending queue, batch sizes, queue and compute time,
 * and session threads ready out of those configured.
 */
import { Counter, Gauge, Histogram, Registry } from './registry.js';

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createWorkerMetrics() {
  const registry = new Registry();
  return {
    registry,
    requestSuccess: registry.register(new Counter('bsnet_inference_request_success_total', 'Inference requests answered with 200.')),
    requestFailure: registry.register(new Counter('bsnet_inference_request_failure_total', 'Inference requests that failed, by reason.')),
    inferenceCount: registry.register(new Counter('bsnet_inference_count_total', 'Slices run through the model.')),
    execCount: registry.register(new Counter('bsnet_inference_exec_count_total', 'Batched model executions.')),
    pendingSlices: registry.register(new Gauge('bsnet_inference_pending_slice_count', 'Slices waiting in the batch queue (queue depth).')),
    batchSize: registry.register(new Histogram('bsnet_inference_batch_size', 'Slices per model execution.', [1, 2, 4, 8, 16, 32, 64, 128, 256])),
    queueDuration: registry.register(new Histogram('bsnet_inference_queue_duration_seconds', 'Time a slice waited in the queue before its batch ran.', SECONDS)),
    computeDuration: registry.register(new Histogram('bsnet_inference_compute_duration_seconds', 'Time of one batched execution, normalisation included.', SECONDS)),
    requestDuration: registry.register(new Histogram('bsnet_inference_request_duration_seconds', 'Time from a request being queued to its answer.', SECONDS)),
    sessionThreadsReady: registry.register(new Gauge('bsnet_session_threads_ready', 'Session threads with a warmed session, busy or idle.')),
    sessionThreadsConfigured: registry.register(new Gauge('bsnet_session_threads_configured', 'Session threads configured (BSNET_SESSION_THREADS).')),
    modelInfo: registry.register(new Gauge('bsnet_model_info', 'The loaded model; the value is 1 while it is ready.')),
  };
}
export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
