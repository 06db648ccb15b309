/**
 * The manifest that travels beside every ONNX file: the model's own facts (input size,
 * normalisation, tensor names, version, sha256), so no other code hard-codes them.
 */
import { z } from 'zod';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256');
const triple = z.tuple([z.number(), z.number(), z.number()]);

export const ModelManifest = z
  .object({
    name: z.string().min(1),
    version: z.string().min(1),
    /** File name of the ONNX model, relative to the manifest. */
    file: z.string().min(1),
    sha256: hex64,
    /** Square input side; the network needs a multiple of 32. */
    inputSize: z
      .number()
      .int()
      .positive()
      .refine((n) => n % 32 === 0, 'a multiple of 32'),
    inputName: z.string().default('image'),
    /** Output holding the sigmoid probability of the finest side output. */
    probabilityOutput: z.string().default('prob'),
    /** Gray slices are repeated to 3 channels, scaled to 0..1, then (x - mean) / std per channel. */
    normalization: z.object({ mean: triple, std: triple }),
    /**
     * How the weights are stored. `int8-dequantize-at-load`: int8 + per-channel DequantizeLinear
     * on constant weights (activations fp32), which runtimes should fold to fp32 at load.
     */
    weightStorage: z.enum(['fp32', 'int8-dequantize-at-load']).default('fp32'),
    /**
     * What the file computes in. `fp32`: float activations. `int8-qdq`: activations quantised
     * (QuantizeLinear/DequantizeLinear pairs with calibrated scales, models/quantize/), which
     * onnxruntime runs as int8 kernels (QLinearConv) when its QDQ passes are on.
     */
    activations: z.enum(['fp32', 'int8-qdq']).default('fp32'),
    description: z.string().optional(),
    training: z.record(z.string(), z.unknown()).optional(),
    scores: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();
export type ModelManifest = z.infer<typeof ModelManifest>;
