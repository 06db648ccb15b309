/**
 * Runs the repository's own wrangler as a child process with the Node running this CLI (wrangler
 * 4 needs Node 22; `npm run`/`npx` put that Node first), telemetry off, from the repo root.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './local-state.js';

const WRANGLER_BIN = join(REPO_ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');

/** A wrangler run that exited non-zero; `stderr` holds its own explanation. */
export class WranglerError extends Error {
  override name = 'WranglerError';
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    const tail = (stderr.trim() || stdout.trim()).split('\n').slice(-8).join('\n');
    super(`wrangler ${args.slice(0, 3).join(' ')} failed (exit ${exitCode}):\n${tail}`);
  }
}

/**
 * Runs `wrangler …args` and resolves with its stdout and stderr; rejects with WranglerError when
 * it exits non-zero.
 *
 * @example
 * const { stdout } = await runWrangler(['d1', 'execute', 'DB', '--remote', '--json', '--command', 'SELECT 1']);
 */
export function runWrangler(args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER_BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new WranglerError(args, code, stdout, stderr));
    });
  });
}
