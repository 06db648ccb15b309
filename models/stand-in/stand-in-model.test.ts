import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, attr, model, node, tensorFloat, tensorInt64, valueInfo } from './onnx-writer.js';
import { mulberry32 } from '../../shared/seeded-random.js';
import { TINY_BSNET_CONTRACT, buildTinyBsnetOnnx } from './stand-in-model.js';

const { input, outputs, size, channels } = TINY_BSNET_CONTRACT;
const PER_IMAGE = channels * size * size;
const PER_MASK = size * size;

/** Deterministic pseudo-image in roughly ImageNet-normalised range [-2, 2). */
function fakeImage(seed: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: PER_IMAGE }, () => 4 * rand() - 2);
}

function batchOf(images: Float32Array[]): ort.Tensor {
  const data = new Float32Array(images.length * PER_IMAGE);
  images.forEach((img, i) => data.set(img, i * PER_IMAGE));
  return new ort.Tensor('float32', data, [images.length, channels, size, size]);
}

function stats(d: Float32Array): { min: number; max: number; mean: number; std: number } {
  let min = Infinity, max = -Infinity, sum = 0;
  for (const v of d) { min = Math.min(min, v); max = Math.max(max, v); sum += v; }
  const mean = sum / d.length;
  let sq = 0;
  for (const v of d) sq += (v - mean) ** 2;
  return { min, max, mean, std: Math.sqrt(sq / d.length) };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function floats(t: ort.Tensor | undefined): Float32Array {
  expect(t).toBeDefined();
  expect(t!.type).toBe('float32');
  return t!.data as Float32Array;
}

describe('tiny BSNet ONNX fixture', () => {
  let session: ort.InferenceSession;

  beforeAll(async () => {
    session = await ort.InferenceSession.create(buildTinyBsnetOnnx(), { executionProviders: ['cpu'] });
  });
  afterAll(async () => {
    await session?.release();
  });

  it('exposes the BSNet I/O contract', () => {
    expect(session.inputNames).toEqual([input]);
    expect(session.outputNames).toEqual([...outputs]);
    const inMeta = session.inputMetadata[0]!;
    expect(inMeta.isTensor && inMeta.shape).toEqual(['batch', channels, size, size]);
    for (const m of session.outputMetadata) {
      expect(m.isTensor && m.type).toBe('float32');
      expect(m.isTensor && m.shape).toEqual(['batch', 1, size, size]);
    }
  });

  it('produces spread-out probabilities in (0, 1) for batch 1 and batch 3, consistent across batch sizes', async () => {
    const imgs = [fakeImage(1), fakeImage(2), fakeImage(3)];
    const single = await session.run({ [input]: batchOf([imgs[1]!]) });
    const triple = await session.run({ [input]: batchOf(imgs) });

    for (const [result, n] of [[single, 1], [triple, 3]] as const) {
      expect(Object.keys(result).sort()).toEqual([...outputs].sort());
      for (const name of outputs) {
        expect(result[name]!.dims).toEqual([n, 1, size, size]);
        const s = stats(floats(result[name]));
        expect(s.min).toBeGreaterThan(0);
        expect(s.max).toBeLessThan(1);
        expect(s.std).toBeGreaterThan(0.01);
        expect(Math.abs(s.mean - 0.5)).toBeGreaterThan(1e-3); // biased heads: not a trivial 0.5
      }
    }

    // imgs[1] alone must match imgs[1] in the middle of the batch.
    for (const name of outputs) {
      const alone = floats(single[name]);
      const inBatch = floats(triple[name]).subarray(PER_MASK, 2 * PER_MASK);
      expect(maxAbsDiff(alone, inBatch)).toBeLessThanOrEqual(1e-5);
    }
    // Different images give different masks.
    expect(maxAbsDiff(floats(triple.prob).subarray(0, PER_MASK), floats(triple.prob).subarray(PER_MASK, 2 * PER_MASK)))
      .toBeGreaterThan(1e-3);
  });

  it('is byte-identical for the same seed and differs for another seed', () => {
    const a = buildTinyBsnetOnnx({ seed: 7 });
    const b = buildTinyBsnetOnnx({ seed: 7 });
    const c = buildTinyBsnetOnnx({ seed: 8 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
    expect(buildTinyBsnetOnnx({ channels: 4 }).length).toBeLessThan(buildTinyBsnetOnnx().length);
  });
});

describe('onnx-writer', () => {
  it('encodes float/int/ints/string attributes, negative ints and int64 initializers that ORT accepts', async () => {
    // y = Pad(Reshape(LeakyRelu(Concat([a, b], axis=-1), alpha=0.5), shape=[-1]), pads=[1, 0], mode='constant')
    // covers INT (negative: 10-byte varint), FLOAT, STRING attributes and INT64 raw_data (with a -1).
    const bytes = model({
      graph: {
        name: 'writer_smoke',
        nodes: [
          node('Concat', ['a', 'b'], ['ab'], { axis: attr.int(-1) }),
          node('LeakyRelu', ['ab'], ['lr'], { alpha: attr.float(0.5) }),
          node('Reshape', ['lr', 'flat_shape'], ['flat']),
          node('Pad', ['flat', 'pads'], ['y'], { mode: attr.string('constant') }),
        ],
        initializers: [tensorInt64('flat_shape', [1], [-1]), tensorInt64('pads', [2], [1, 0])],
        inputs: [valueInfo('a', DataType.FLOAT, ['n', 2]), valueInfo('b', DataType.FLOAT, ['n', 2])],
        outputs: [valueInfo('y', DataType.FLOAT, ['m'])],
      },
    });
    const s = await ort.InferenceSession.create(bytes);
    try {
      const a = new ort.Tensor('float32', Float32Array.from([1, -2, 3, -4]), [2, 2]);
      const b = new ort.Tensor('float32', Float32Array.from([-6, 8, 10, -12]), [2, 2]);
      const out = await s.run({ a, b });
      expect(Array.from(out.y!.data as Float32Array)).toEqual([0, 1, -1, -3, 8, 3, -2, 10, -6]);
    } finally {
      await s.release();
    }
  });

  it('rejects tensors whose data does not match their dims', () => {
    expect(() => tensorFloat('w', [2, 3], new Float32Array(5))).toThrow(RangeError);
    expect(() => tensorInt64('s', [2], [1])).toThrow(RangeError);
  });

  it('encodes INTS attributes (Transpose perm)', async () => {
    const bytes = model({
      graph: {
        name: 'writer_ints',
        nodes: [node('Transpose', ['x'], ['y'], { perm: attr.ints([1, 0]) })],
        inputs: [valueInfo('x', DataType.FLOAT, [2, 3])],
        outputs: [valueInfo('y', DataType.FLOAT, [3, 2])],
      },
    });
    const s = await ort.InferenceSession.create(bytes);
    try {
      const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]) });
      expect(out.y!.dims).toEqual([3, 2]);
      expect(Array.from(out.y!.data as Float32Array)).toEqual([1, 4, 2, 5, 3, 6]);
    } finally {
      await s.release();
    }
  });
});
