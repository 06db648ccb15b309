/**
 * How to start a session thread. A compiled build (the Docker image) runs the emitted .js
 * directly. From sources (`tsx`, vitest) the thread must register tsx's loader itself: Node 20
 * does not apply the parent's --import hooks to `worker_threads`, so a two-line eval bootstrap
 * registers tsx and then imports the TypeScript module.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { ThreadInit } from './thread-messages.js';

function sessionThreadEntry(): { entry: URL | string; options: WorkerOptions } {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(`./session-thread.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSource) return { entry: url, options: {} };
  // require.resolve would pick tsx's CommonJS build; the thread needs the ESM one.
  const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsxApi = pathToFileURL(join(tsxRoot, 'dist/esm/api/index.mjs')).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return { entry: bootstrap, options: { eval: true } };
}

/** Starts one session thread; it posts `ready` or `init-failed` once its backend is created. */
export function startSessionThread(init: ThreadInit): Worker {
  const { entry, options } = sessionThreadEntry();
  return new Worker(entry, { ...options, workerData: init });
}
