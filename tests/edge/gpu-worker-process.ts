/**
 * A GPU worker in a child process of its own (gpu-worker/src/main.ts under tsx, on the stand-in model,
 * port chosen by the OS), for tests that must stop it like a bad day would: SIGSTOP freezes the
 * whole process, which an in-process GPU worker cannot show.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { writeStandInModel } from '../../models/stand-in/write-stand-in.js';
import { testWorkerEnv } from '../gpu-worker/worker-harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface GpuWorkerProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startGpuWorkerProcess(env: Record<string, string> = {}): Promise<GpuWorkerProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'bsnet-worker-process-'));
  const manifestPath = await writeStandInModel(dir);
  // node itself (not the tsx CLI, which would put a process of its own in between), so a signal
  // reaches the GPU worker.
  const child = spawn(process.execPath, ['--import', 'tsx', 'gpu-worker/src/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      BSNET_LOG: 'info',
      ...testWorkerEnv(manifestPath),
      ...env,
    },
  });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('the GPU worker process did not get ready within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`the GPU worker process exited with ${code} before it was ready`)));
    let listening: string | undefined;
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg?.includes('listening')) listening = entry.url;
      if (entry.msg === 'model ready' && listening) {
        clearTimeout(timer);
        resolve(listening);
      }
    });
  });
  return {
    url,
    child,
    async stop() {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
