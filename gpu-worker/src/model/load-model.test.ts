import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeStandInModel } from '../../../models/stand-in/write-stand-in.js';
import { loadModel, ModelLoadError } from './load-model.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bsnet-model-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('loadModel', () => {
  it('loads a manifest and its verified ONNX bytes', async () => {
    const manifestPath = await writeStandInModel(dir);
    const model = await loadModel(manifestPath);
    expect(model.manifest.inputSize).toBe(352);
    expect(model.bytes.length).toBeGreaterThan(1000);
  });

  it('refuses a model file whose sha256 differs from the manifest', async () => {
    const manifestPath = await writeStandInModel(dir);
    const onnx = join(dir, 'stand-in.onnx');
    const bytes = await readFile(onnx);
    bytes[bytes.length - 1]! ^= 1;
    await writeFile(onnx, bytes);
    await expect(loadModel(manifestPath)).rejects.toThrow(/sha256/);
  });

  it('names the broken manifest field, and a missing file', async () => {
    const manifestPath = await writeStandInModel(dir);
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    await writeFile(manifestPath, JSON.stringify({ ...manifest, inputSize: 350 }));
    await expect(loadModel(manifestPath)).rejects.toThrow(/inputSize/);
    await expect(loadModel(join(dir, 'nope.json'))).rejects.toBeInstanceOf(ModelLoadError);
  });
});
