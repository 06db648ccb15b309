/**
 * Test harness for the edge: the real Worker (built from the root wrangler.toml by wrangler, run in
 * workerd with miniflare's D1, R2 and Durable Objects, in memory) in front of real GPU workers
 * on 127.0.0.1 (onnxruntime sessions on the code-generated stand-in model). Tests talk to the
 * edge over real HTTP and reach its bindings through `env` to seed keys or inspect R2.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestHarness } from 'wrangler';
import { createKey } from '../../edge/src/auth/key-store.js';
import { ModelManifest } from '../../shared/model-manifest.js';
import type { Scope } from '../../edge/src/http/edge-env.js';
import { writeStandInModel } from '../../models/stand-in/write-stand-in.js';
import { SECRET, startHarness, type Harness } from '../gpu-worker/worker-harness.js';

export const TOKEN_SECRET = 'test-upload-token-secret-at-least-32-chars';

export interface EdgeStackOptions {
  /** Real GPU workers to start (default 1). */
  workers?: number;
  /** Extra origins put in the pool as they are (e.g. a closed port, a hanging server). */
  extraOrigins?: string[];
  /** Put the extra origins first in the list. */
  extraFirst?: boolean;
  /** Wrangler vars to override (strings, as in wrangler.toml). */
  vars?: Record<string, string>;
  /** Env for the GPU worker harnesses (e.g. a tiny queue). */
  workerEnv?: Record<string, string>;
}

export interface EdgeStack {
  url: string;
  workers: Harness[];
  model: { name: string; version: string };
  env: Env;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Creates an API key in the edge's D1 and returns it. */
  key(tenant: string, scopes?: Scope[]): Promise<string>;
  /** What the Worker wrote with console.*, one entry per line. */
  logs(): string[];
  stop(): Promise<void>;
}

/** The facts of the model the harness workers serve (also when a test starts none). */
async function standInManifest(): Promise<ModelManifest> {
  const dir = await mkdtemp(join(tmpdir(), 'bsnet-edge-'));
  try {
    return ModelManifest.parse(JSON.parse(await readFile(await writeStandInModel(dir), 'utf8')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function startEdgeStack(o: EdgeStackOptions = {}): Promise<EdgeStack> {
  // Offline: miniflare would otherwise try to download the Request.cf object at every start.
  process.env['CLOUDFLARE_CF_FETCH_ENABLED'] ??= 'false';
  const workers = await Promise.all(Array.from({ length: o.workers ?? 1 }, () => startHarness(o.workerEnv)));
  // The model the GPU workers really serve (a test's BSNET_MODEL_MANIFEST may point anywhere).
  const manifest = workers[0]?.worker.state.manifest ?? (await standInManifest());
  const origins = workers.map((w) => w.worker.url);
  const all = o.extraFirst ? [...(o.extraOrigins ?? []), ...origins] : [...origins, ...(o.extraOrigins ?? [])];
  const server = createTestHarness({
    workers: [
      {
        configPath: 'wrangler.toml',
        vars: {
          WORKER_ORIGINS: all.join(','),
          MODEL_NAME: manifest.name,
          MODEL_VERSION: manifest.version,
          MODEL_INPUT_SIZE: String(manifest.inputSize),
          WORKER_TIMEOUT_MS: '5000',
          ...o.vars,
        },
        secrets: { WORKER_HMAC_SECRET: SECRET, TOKEN_SIGNING_SECRET: TOKEN_SECRET },
      },
    ],
  });
  const { url } = await server.listen();
  const handle = server.getWorker<Env>();
  await handle.applyD1Migrations('DB');
  const env = await handle.getEnv();
  const base = url.href.replace(/\/$/, '');
  return {
    url: base,
    workers,
    model: { name: manifest.name, version: manifest.version },
    env,
    fetch: (path, init) => fetch(base + path, init),
    async key(tenant, scopes = ['segment', 'tokens:create']) {
      const { key } = await createKey(env.DB, { tenant, name: `test ${tenant}`, scopes });
      return key;
    },
    logs: () => server.getLogs().map((l) => String(l.message)),
    async stop() {
      await server.close();
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
}
