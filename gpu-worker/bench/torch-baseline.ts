/**
 * The PyTorch eager side of the comparison: spawns models/bench_torch.py (same BSNet shape,
 * fp32, same thread count) and parses its one JSON line. A missing python3 or torch is
 * reported as a skip with the reason, never as a benchmark failure.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface TorchResult {
  framework: string;
  torch: string;
  threads: number;
  batch: number;
  size: number;
  imagesPerSecond: number;
  msPerBatch: number;
}

export type TorchOutcome = { ok: true; result: TorchResult; command: string } | { ok: false; reason: string; command: string };

export async function runTorchBaseline(opts: {
  python: string;
  repoRoot: string;
  threads: number;
  batch: number;
  iters: number;
  warmup: number;
  size: number;
}): Promise<TorchOutcome> {
  const args = [
    'models/bench_torch.py',
    '--json',
    '--threads', String(opts.threads),
    '--batch', String(opts.batch),
    '--iters', String(opts.iters),
    '--warmup', String(opts.warmup),
    '--size', String(opts.size),
  ];
  const command = [opts.python, ...args].join(' ');
  if (!existsSync(opts.python)) return { ok: false, reason: `${opts.python} not found`, command };

  const { code, stdout, stderr, spawnError } = await new Promise<{ code: number | null; stdout: string; stderr: string; spawnError?: string }>((resolve) => {
    const child = spawn(opts.python, args, { cwd: opts.repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => resolve({ code: null, stdout: out, stderr: err, spawnError: e.message }));
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  if (spawnError) return { ok: false, reason: `cannot run ${opts.python}: ${spawnError}`, command };
  if (/No module named ['"]?torch/.test(stderr)) return { ok: false, reason: `PyTorch is not installed for ${opts.python}`, command };
  if (code !== 0) {
    const tail = stderr.trim().split('\n').at(-1) ?? '';
    return { ok: false, reason: `bench_torch.py exited ${code}${tail ? `: ${tail}` : ''}`, command };
  }
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.trimStart().startsWith('{'));
  try {
    const result = JSON.parse(line ?? '') as TorchResult;
    if (!(result.imagesPerSecond > 0)) throw new Error('no imagesPerSecond');
    return { ok: true, result, command };
  } catch {
    return { ok: false, reason: `could not parse bench_torch.py output: ${stdout.trim().slice(0, 200)}`, command };
  }
}
