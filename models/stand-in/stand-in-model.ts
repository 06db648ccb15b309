/**
 * A tiny, randomly-weighted stand-in for BSNet with the same I/O contract:
 *
 *   input   image  float32 [batch, 3, 352, 352]   ('batch' is symbolic)
 *   outputs prob   float32 [batch, 1, 352, 352]   sigmoid probabilities
 *           edge   float32 [batch, 1, 352, 352]   sigmoid probabilities
 *
 * Graph: Conv(3->C, 3x3, s2, p1) -> Relu -> Conv(C->C, 3x3, s2, p1) -> Relu
 *        -> two heads, each Conv(C->1, 1x1) -> Resize(x4, linear) -> Sigmoid.
 *
 * Weights come from a seeded PRNG (same seed => byte-identical model) and are
 * He-scaled so that the probabilities spread over a range instead of sitting
 * at ~0.5 or saturating at 0/1. It segments nothing; it only lets tests drive
 * the real onnxruntime-node code path with the real tensor contract.
 */
import { mulberry32 } from '../../shared/seeded-random.js';
import { DataType, attr, model, node, tensorFloat, valueInfo, type TensorDef } from './onnx-writer.js';

export const TINY_BSNET_CONTRACT = {
  input: 'image',
  outputs: ['prob', 'edge'],
  size: 352,
  channels: 3,
} as const;


export function buildTinyBsnetOnnx(opts: { channels?: number; seed?: number } = {}): Uint8Array {
  const C = opts.channels ?? 8;
  const seed = opts.seed ?? 42;
  if (!Number.isInteger(C) || C < 1) throw new RangeError(`channels must be a positive integer, got ${C}`);
  const { input, outputs, size, channels: inC } = TINY_BSNET_CONTRACT;
  const [probName, edgeName] = outputs;
  const rand = mulberry32(seed);

  /** He-uniform weights: U(-a, a) with a = sqrt(6 / fan_in), i.e. variance 2 / fan_in. */
  const heWeights = (name: string, dims: number[], gain = 1): TensorDef => {
    const fanIn = dims.slice(1).reduce((x, y) => x * y, 1);
    const a = gain * Math.sqrt(6 / fanIn);
    const n = dims.reduce((x, y) => x * y, 1);
    return tensorFloat(name, dims, Float32Array.from({ length: n }, () => (2 * rand() - 1) * a));
  };
  const bias = (name: string, n: number, offset: number, spread: number): TensorDef =>
    tensorFloat(name, [n], Float32Array.from({ length: n }, () => offset + (2 * rand() - 1) * spread));

  const conv3x3s2 = { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) };
  const conv1x1 = { kernel_shape: attr.ints([1, 1]) };
  const resize = { mode: attr.string('linear') };

  // Heads use a linear (gain sqrt(1/2)) init so logits have roughly unit scale,
  // plus a non-zero bias so the mean probability is not trivially 0.5.
  const initializers = [
    heWeights('enc1.w', [C, inC, 3, 3]),
    bias('enc1.b', C, 0, 0.1),
    heWeights('enc2.w', [C, C, 3, 3]),
    bias('enc2.b', C, 0, 0.1),
    heWeights('prob_head.w', [1, C, 1, 1], Math.SQRT1_2),
    bias('prob_head.b', 1, -0.4, 0.1),
    heWeights('edge_head.w', [1, C, 1, 1], Math.SQRT1_2),
    bias('edge_head.b', 1, -1.0, 0.1),
    tensorFloat('up4.scales', [4], Float32Array.from([1, 1, 4, 4])),
  ];

  const head = (prefix: string, out: string) => [
    node('Conv', ['enc2.relu', `${prefix}.w`, `${prefix}.b`], [`${prefix}.logits_lr`], conv1x1, `${prefix}.conv`),
    node('Resize', [`${prefix}.logits_lr`, '', 'up4.scales'], [`${prefix}.logits`], resize, `${prefix}.resize`),
    node('Sigmoid', [`${prefix}.logits`], [out], {}, `${prefix}.sigmoid`),
  ];

  return model({
    opset: 17,
    irVersion: 8,
    graph: {
      name: 'tiny_bsnet',
      nodes: [
        node('Conv', [input, 'enc1.w', 'enc1.b'], ['enc1.conv'], conv3x3s2, 'enc1.conv'),
        node('Relu', ['enc1.conv'], ['enc1.relu'], {}, 'enc1.relu'),
        node('Conv', ['enc1.relu', 'enc2.w', 'enc2.b'], ['enc2.conv'], conv3x3s2, 'enc2.conv'),
        node('Relu', ['enc2.conv'], ['enc2.relu'], {}, 'enc2.relu'),
        ...head('prob_head', probName),
        ...head('edge_head', edgeName),
      ],
      initializers,
      inputs: [valueInfo(input, DataType.FLOAT, ['batch', inC, size, size])],
      outputs: [
        valueInfo(probName, DataType.FLOAT, ['batch', 1, size, size]),
        valueInfo(edgeName, DataType.FLOAT, ['batch', 1, size, size]),
      ],
    },
  });
}
