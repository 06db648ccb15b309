import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeStandInModel } from '../../../models/stand-in/write-stand-in.js';
import { loadModel, type LoadedModel } from '../model/load-model.js';
import { probabilityToByte } from './normalize.js';
import { OrtBackend, providerCandidates, SessionInitError, type OrtBackendOptions } from './ort-backend.js';

let dir: string;
let model: LoadedModel;
let backend: OrtBackend;
let options: OrtBackendOptions;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bsnet-backend-'));
  model = await loadModel(await writeStandInModel(dir));
  options = { modelBytes: model.bytes, manifest: model.manifest, providers: ['cpu'], intraOpThreads: 1, warmupBatchSizes: [1, 2] };
  backend = await OrtBackend.create(options);
});
afterAll(async () => {
  await backend.dispose();
  await rm(dir, { recursive: true, force: true });
});

const pixels = 352 * 352;
const gray = (count: number) => Uint8Array.from({ length: count * pixels }, (_, i) => (i * 7 + (i >> 9)) & 0xff);

describe('OrtBackend', () => {
  it('auto tries cuda, webgpu, then cpu; a named provider is the only candidate', () => {
    expect(providerCandidates('auto')).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(providerCandidates('webgpu')).toEqual(['webgpu']);
  });

  it('reports the provider it warmed up on', () => {
    expect(backend.provider).toBe('cpu');
    expect(backend.attempts).toEqual([{ provider: 'cpu', ok: true }]);
  });

  it('runs a batch: probabilities in 0..1, and run() is the same map in 8 bits', async () => {
    const input = gray(2);
    const prob = await backend.probabilities(input, 2);
    expect(prob.length).toBe(2 * pixels);
    expect(prob.every((p) => p >= 0 && p <= 1)).toBe(true);
    const bytes = await backend.run(input, 2);
    const expected = new Uint8Array(prob.length);
    probabilityToByte(prob, expected);
    expect(Buffer.compare(bytes, expected)).toBe(0);
    // Each slice is its own: the second differs from the first.
    expect(Buffer.compare(bytes.subarray(0, pixels), bytes.subarray(pixels))).not.toBe(0);
  });

  it('names a bad run argument', async () => {
    const zero = await backend.run(gray(1), 0).catch((e: unknown) => e);
    expect(zero).toBeInstanceOf(RangeError);
    expect((zero as Error).message).toBe('count must be a positive integer, got 0');
    const short = await backend.run(gray(1), 2).catch((e: unknown) => e);
    expect(short).toBeInstanceOf(RangeError);
    expect((short as Error).message).toBe('gray must hold 2 x 352 x 352 = 247808 bytes, got 123904');
  });

  it('names a bad option before loading anything', async () => {
    const bad: [Partial<OrtBackendOptions>, ErrorConstructor, RegExp][] = [
      [{ modelBytes: new Uint8Array(0) }, TypeError, /^modelBytes must be a non-empty Uint8Array$/],
      [{ providers: [] }, RangeError, /^providers must name at least one/],
      [{ providers: ['cpu', 'tpu' as 'cpu'] }, RangeError, /^providers\[1\] is "tpu"; expected one of cuda, webgpu, cpu$/],
      [{ intraOpThreads: 0 }, RangeError, /^intraOpThreads must be a positive integer, got 0$/],
      [{ warmupBatchSizes: [1, 1.5] }, RangeError, /^warmupBatchSizes\[1\] must be a positive integer, got 1.5$/],
    ];
    for (const [change, kind, message] of bad) {
      const err = await OrtBackend.create({ ...options, ...change }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(kind);
      expect((err as Error).message).toMatch(message);
    }
  });

  it('says why each provider failed when none can run the model', async () => {
    const err = await OrtBackend.create({ ...options, modelBytes: new Uint8Array(64).fill(7) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionInitError);
    const { attempts } = err as SessionInitError;
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ provider: 'cpu', ok: false });
    expect(attempts[0]!.error).toBeTruthy();
    expect((err as Error).message).toMatch(/^no execution provider could run the model: cpu: /);
  });

  it('cannot run once disposed, and disposing twice is harmless', async () => {
    const own = await OrtBackend.create({ ...options, warmupBatchSizes: [] });
    await own.dispose();
    await own.dispose();
    await expect(own.run(gray(1), 1)).rejects.toThrow('the backend was disposed');
  });
});
