/**
 * Benchmark models: the reference-shaped BSNet (random init, 352x352, 172.8 GFLOPs per image)
 * exported once by models/export_random.py and cached under .bench/, with a manifest written
 * here so the worker loads it like any trained model; or the code-generated stand-in for a
 * quick smoke run.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ModelManifest } from '../../shared/model-manifest.js';
import { writeStandInModel } from '../../models/stand-in/write-stand-in.js';

export const REFERENCE_NAME = 'bsnet-reference-shaped-random';
export const REFERENCE_SIZE = 352;
/** Conv FLOPs of one 352x352 forward pass (models/bench_torch.py --flops: 2 x MACs). */
export const REFERENCE_GFLOPS_PER_IMAGE = 172.8;
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;

export interface PreparedModel {
  manifestPath: string;
  /** What was benchmarked, for the report. */
  kind: 'reference' | 'stand-in' | 'custom';
  /** GFLOPs per image when known (only for the reference shape). */
  gflopsPerImage?: number;
  /** True when this run exported the ONNX file (not taken from the cache). */
  exported?: boolean;
}

function runPython(python: string, args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Makes sure `<benchDir>/bsnet-ref.onnx` exists (exporting it with PyTorch when it does not;
 * written to a temporary name first so an interrupted export never poisons the cache), then
 * writes its manifest with the sha256 of the file as it is now.
 */
export async function prepareReferenceModel(opts: {
  repoRoot: string;
  benchDir: string;
  python: string;
  onProgress?: (line: string) => void;
}): Promise<PreparedModel> {
  const { repoRoot, benchDir, python } = opts;
  await mkdir(benchDir, { recursive: true });
  const onnxPath = join(benchDir, 'bsnet-ref.onnx');
  let exported = false;
  if (!existsSync(onnxPath)) {
    if (!existsSync(python)) {
      throw new Error(`${onnxPath} is missing and ${python} does not exist to export it; use --stand-in or --model <manifest>`);
    }
    opts.onProgress?.(`exporting the reference-shaped BSNet with ${python} models/export_random.py (once; ~30-60 s)...`);
    const tmp = join(benchDir, `bsnet-ref.tmp-${process.pid}.onnx`);
    const started = performance.now();
    const r = await runPython(python, ['models/export_random.py', '--out', tmp, '--size', String(REFERENCE_SIZE)], repoRoot);
    if (r.code !== 0 || !existsSync(tmp)) {
      await rm(tmp, { force: true });
      const tail = r.stderr.trim().split('\n').slice(-5).join('\n');
      throw new Error(`models/export_random.py failed (exit ${r.code}); use --stand-in or --model <manifest>.\n${tail}`);
    }
    await rename(tmp, onnxPath);
    exported = true;
    const params = r.stdout.split('\n').find((l) => l.startsWith('params:')) ?? '';
    opts.onProgress?.(`exported ${onnxPath} in ${((performance.now() - started) / 1000).toFixed(0)} s (${params.trim()})`);
  }
  const bytes = await readFile(onnxPath);
  const manifest: ModelManifest = {
    name: REFERENCE_NAME,
    version: 'bench',
    file: basename(onnxPath),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    inputSize: REFERENCE_SIZE,
    inputName: 'image',
    probabilityOutput: 'prob',
    normalization: { mean: [...IMAGENET.mean], std: [...IMAGENET.std] },
    weightStorage: 'fp32',
    activations: 'fp32',
    description: 'Randomly initialised BSNet with the reference architecture, for benchmarks only. It segments nothing.',
  };
  const manifestPath = join(benchDir, 'bsnet-ref.manifest.json');
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  return { manifestPath, kind: 'reference', gflopsPerImage: REFERENCE_GFLOPS_PER_IMAGE, exported };
}

/** Writes the tiny code-generated stand-in to `<benchDir>/stand-in/` (for smoke runs). */
export async function prepareStandInModel(benchDir: string): Promise<PreparedModel> {
  return { manifestPath: await writeStandInModel(join(benchDir, 'stand-in')), kind: 'stand-in' };
}
