/**
 * Trained weights ship in models/ (bsnet.manifest.json beside bsnet-v1.onnx, and its int8 sibling
 * bsnet-int8.manifest.json, the CPU default). A checkout
 * without the model file (a sparse or shallow copy, a file not yet fetched) still lets a local
 * `npm start` run the whole stack: it serves the code-generated stand-in network, loudly.
 * Only development does: in production, staging or anything else a missing model is an error.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../../shared/env-config.js';
import { ModelManifest } from '../../../shared/model-manifest.js';
import { DEFAULT_CPU_MANIFEST, DEFAULT_MANIFEST, type WorkerConfig } from '../config.js';
import type { Logger } from '../log.js';
import { STAND_IN_NAME, writeStandInModel } from '../../../models/stand-in/write-stand-in.js';

const STAND_IN_DIR = fileURLToPath(new URL('../../../.fixtures/dev-model/', import.meta.url));

/** Whether the manifest and the ONNX file it names are both there (checking them is loadModel's job). */
async function modelPresent(manifestPath: string): Promise<boolean> {
  if (!existsSync(manifestPath)) return false;
  const parsed = ModelManifest.safeParse(await readFile(manifestPath, 'utf8').then(JSON.parse, () => undefined));
  // A broken manifest is not a missing one: loadModel names what is wrong with it.
  return !parsed.success || existsSync(resolve(dirname(manifestPath), parsed.data.file));
}

/** The config to start with: as given, or pointing at the stand-in when the default model is absent. */
export async function resolveDevModel(config: WorkerConfig, log: Logger): Promise<WorkerConfig> {
  const isDefault = config.manifestPath === DEFAULT_MANIFEST || config.manifestPath === DEFAULT_CPU_MANIFEST;
  if (!isDefault || (await modelPresent(config.manifestPath))) return config;
  if (!config.development) throw new ConfigError(`no model at ${config.manifestPath} (or the ONNX file it names is missing); only NODE_ENV=development serves the stand-in`);
  const manifestPath = await writeStandInModel(STAND_IN_DIR);
  log.warn('no model file in models/: serving the UNTRAINED stand-in network', { model: STAND_IN_NAME, manifestPath });
  return { ...config, manifestPath };
}
