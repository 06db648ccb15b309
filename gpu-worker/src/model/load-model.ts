/**
 * Reads a model manifest, validates it with the shared schema, and verifies the ONNX file's
 * sha256 before anything runs it: a corrupted or swapped file must never serve masks.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ModelManifest } from '../../../shared/model-manifest.js';
import { describeIssues } from '../../../shared/zod-issue.js';

export interface LoadedModel {
  manifest: ModelManifest;
  /** The ONNX bytes, already verified; sessions are created from this buffer. */
  bytes: Uint8Array;
  path: string;
}

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

export async function loadModel(manifestPath: string): Promise<LoadedModel> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (err) {
    throw new ModelLoadError(`cannot read model manifest ${manifestPath}: ${(err as Error).message}`);
  }
  const parsed = ModelManifest.safeParse(raw);
  if (!parsed.success) {
    throw new ModelLoadError(`invalid model manifest ${manifestPath}: ${describeIssues(parsed.error)}`);
  }
  const manifest = parsed.data;
  const path = resolve(dirname(manifestPath), manifest.file);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new ModelLoadError(`cannot read model file ${path}: ${(err as Error).message}`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== manifest.sha256) {
    throw new ModelLoadError(`model file ${path} has sha256 ${sha256}, but the manifest says ${manifest.sha256}`);
  }
  return { manifest, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path };
}
