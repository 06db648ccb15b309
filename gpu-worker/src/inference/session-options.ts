/**
 * onnxruntime session options for a model, shared by the session threads and the benchmark so
 * both run the same configuration.
 */
import type * as ort from 'onnxruntime-node';
import type { ModelManifest } from '../../../shared/model-manifest.js';
import type { ExecutionProvider } from '../config.js';

export function sessionOptions(
  weightStorage: ModelManifest['weightStorage'],
  provider: ExecutionProvider,
  intraOpThreads: number,
): ort.InferenceSession.SessionOptions {
  return {
    // The config's provider names are onnxruntime-node's own.
    executionProviders: [provider],
    intraOpNumThreads: intraOpThreads,
    // One op at a time with all cores inside it: the network is a chain of big convolutions.
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // onnxruntime keeps DequantizeLinear nodes unfolded to preserve QDQ graphs, so int8-stored
    // weights would be dequantised on every run and block the NCHWc conv layout. These weights
    // are constants: disabling the QDQ passes lets constant folding turn them into fp32 at load
    // (measured 1.18x faster per image on the shipped file).
    ...(weightStorage === 'int8-dequantize-at-load' ? { extra: { session: { disable_quant_qdq: '1' } } } : {}),
  };
}
