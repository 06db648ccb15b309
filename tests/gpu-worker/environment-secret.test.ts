/**
 * Regression (security review): the GPU worker took the public development secret for any
 * NODE_ENV but `production`, so a `staging` worker accepted calls signed with it. The real entry
 * point (`tsx gpu-worker/src/main.ts`, as `npm start` runs it) with NODE_ENV=staging and no
 * secret must refuse to start, naming the variable; with nothing set at all it still starts.
 * The child gets an explicit env, so the runner's own NODE_ENV=test does not leak in.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number | null;
  output: string;
}

/**
 * Runs the worker's entry with only `env` (plus PATH and HOME) until it exits or prints
 * `until`, then stops it. A free port, so it never meets a running `npm start`.
 */
function runWorker(env: Record<string, string>, until?: string, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(`${root}node_modules/.bin/tsx`, ['gpu-worker/src/main.ts'], {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', BSNET_WORKER_PORT: '0', ...env },
    });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker neither exited nor printed ${JSON.stringify(until)} within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (until !== undefined && output.includes(until)) child.kill('SIGTERM');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the GPU worker entry and NODE_ENV', () => {
  it('refuses to start with NODE_ENV=staging and no BSNET_WORKER_HMAC_SECRET', async () => {
    const run = await runWorker({ NODE_ENV: 'staging' }, 'worker listening');
    expect(run.output).not.toContain('worker listening');
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/ConfigError/);
    expect(run.output).toMatch(/BSNET_WORKER_HMAC_SECRET: must be set when NODE_ENV is "staging"/);
  });

  it('starts with nothing set (NODE_ENV unset is development), as npm start runs it', async () => {
    const run = await runWorker({ BSNET_EXECUTION_PROVIDER: 'cpu', BSNET_INTRA_OP_THREADS: '1' }, 'worker listening');
    expect(run.output).toContain('worker listening');
    expect(run.output).not.toMatch(/ConfigError/);
  });
});
