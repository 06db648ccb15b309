/**
 * Writes an evaluation's scores into the model's manifest under a named key (e.g. "validation",
 * "test"), so the shipped file carries its measured accuracy. Refuses when the manifest now
 * describes another file than the one that was scored.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import type { EvaluationResult } from './evaluate-model.js';

export async function recordScores(manifestPath: string, key: string, result: EvaluationResult, imagesDir: string): Promise<void> {
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown> & { sha256?: string; scores?: Record<string, unknown> };
  if (manifest.sha256 !== result.model.sha256) {
    throw new Error(`manifest ${manifestPath} names sha256 ${manifest.sha256}, but the scored model was ${result.model.sha256}`);
  }
  manifest.scores = {
    ...manifest.scores,
    [key]: {
      ...result.scores,
      count: result.count,
      images: relative(process.cwd(), imagesDir),
      provider: result.provider,
      protocol: "Inf-Net's: 256 thresholds on min-max normalised maps resized to the mask size",
    },
  };
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
}
