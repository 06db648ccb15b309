/**
 * Until trained weights ship in models/, a local `npm start` serves the code-generated stand-in
 * network so the whole stack runs on a fresh machine. Production never does: there a missing
 * model is an error.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, DEFAULT_MANIFEST, type WorkerConfig } from '../config.js';
import { log } from '../log.js';
import { STAND_IN_NAME, writeStandInModel } from '../../../models/stand-in/write-stand-in.js';

const STAND_IN_DIR = fileURLToPath(new URL('../../../.fixtures/dev-model/', import.meta.url));

export async function resolveDevModel(config: WorkerConfig): Promise<WorkerConfig> {
  if (existsSync(config.manifestPath) || config.manifestPath !== DEFAULT_MANIFEST) return config;
  if (config.production) throw new ConfigError(`no model manifest at ${config.manifestPath}`);
  const manifestPath = await writeStandInModel(STAND_IN_DIR);
  log.warn('no trained model in models/: serving the UNTRAINED stand-in network', { model: STAND_IN_NAME, manifestPath });
  return { ...config, manifestPath };
}
