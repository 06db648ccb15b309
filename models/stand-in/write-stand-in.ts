/**
 * Writes the stand-in network and its manifest to a folder, for tests, benchmarks and a local
 * `npm start` before trained weights exist. The manifest says "untrained" in its name and
 * version so nobody mistakes its masks for the product's.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelManifest } from '../../shared/model-manifest.js';
import { buildTinyBsnetOnnx, TINY_BSNET_CONTRACT } from './stand-in-model.js';

export const STAND_IN_NAME = 'bsnet-stand-in-untrained';

/** Returns the manifest's path. Same options give byte-identical files. */
export async function writeStandInModel(dir: string, opts: { channels?: number; seed?: number } = {}): Promise<string> {
  const bytes = buildTinyBsnetOnnx(opts);
  await mkdir(dir, { recursive: true });
  const file = 'stand-in.onnx';
  await writeFile(join(dir, file), bytes);
  const manifest: ModelManifest = {
    name: STAND_IN_NAME,
    version: `0.0.0-c${opts.channels ?? 8}-s${opts.seed ?? 42}`,
    file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    inputSize: TINY_BSNET_CONTRACT.size,
    inputName: TINY_BSNET_CONTRACT.input,
    probabilityOutput: 'prob',
    normalization: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    weightStorage: 'fp32',
    activations: 'fp32',
    description: 'Randomly weighted network with BSNet\'s input/output contract, generated from code. It segments nothing.',
  };
  const manifestPath = join(dir, 'manifest.json');
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  return manifestPath;
}
