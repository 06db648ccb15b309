/**
 * `npm start`: the whole stack on this machine, on embedded defaults. A GPU worker on
 * 127.0.0.1:8081 (the shipped model, or the stand-in when none is there) and the edge on
 * 127.0.0.1:8787 under `wrangler dev` (workerd with local D1, R2 and Durable Objects persisted in
 * .wrangler/state). The edge is told the model the worker really serves, so cache keys match.
 * With BSNET_DEV_KEY set, that key is seeded for tenant `dev` so curl works at once.
 * Ports: BSNET_WORKER_PORT, BSNET_EDGE_PORT. Ctrl-C stops both.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { applyLocalMigrations, seedLocalKey } from '../edge/cli/local-d1.js';
import { LOCAL_STATE_DIR } from '../edge/cli/local-state.js';
import { ReadyzBody } from '../shared/worker-readiness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name: string) => `${root}node_modules/.bin/${name}`;
const workerPort = Number(process.env['BSNET_WORKER_PORT'] ?? 8081);
const edgePort = Number(process.env['BSNET_EDGE_PORT'] ?? 8787);
const workerUrl = `http://127.0.0.1:${workerPort}`;
const edgeUrl = `http://127.0.0.1:${edgePort}`;
// Offline-friendly wrangler: no telemetry, no Request.cf download.
const quietWrangler = { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };

const children: ChildProcess[] = [];
let stopping = false;

function start(cmd: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[start] ${cmd.split('/').pop()} exited (${signal ?? code}); stopping the stack`);
    stop(1);
  });
  return child;
}

function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3_000).unref();
  Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r))))).then(() => process.exit(code));
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping) throw new Error('stack is stopping');
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} did not come up within ${timeoutMs / 1000} s`);
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop(0));

  // The local stack runs on this machine's CPU: the worker's CPU default is the int8-activation
  // file (about 3x the float one here). BSNET_EXECUTION_PROVIDER=auto npm start tries a GPU first.
  start(bin('tsx'), ['gpu-worker/src/main.ts'], { BSNET_WORKER_PORT: String(workerPort), BSNET_EXECUTION_PROVIDER: process.env['BSNET_EXECUTION_PROVIDER'] ?? 'cpu' });
  const model = await waitFor(
    'the GPU worker',
    async () => {
      const res = await fetch(`${workerUrl}/readyz`);
      return res.ok ? ReadyzBody.parse(await res.json()).model : undefined;
    },
    180_000,
  );

  await applyLocalMigrations(LOCAL_STATE_DIR);
  const devKey = process.env['BSNET_DEV_KEY'];
  if (devKey) await seedLocalKey(LOCAL_STATE_DIR, { key: devKey, tenant: 'dev', name: 'BSNET_DEV_KEY (npm start)' });

  const vars = { WORKER_ORIGINS: workerUrl, MODEL_NAME: model.name, MODEL_VERSION: model.version, MODEL_INPUT_SIZE: String(model.inputSize) };
  start(
    bin('wrangler'),
    ['dev', '-c', 'wrangler.toml', '--ip', '127.0.0.1', '--port', String(edgePort), '--persist-to', LOCAL_STATE_DIR, '--show-interactive-dev-session=false',
      ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`])],
    quietWrangler,
  );
  await waitFor('the edge', async () => ((await fetch(`${edgeUrl}/v1/health`)).ok ? true : undefined), 120_000);

  console.log(`
BSNet stack is up
  edge (public API)  ${edgeUrl}   docs: ${edgeUrl}/docs
  GPU worker         ${workerUrl}   model: ${model.name} ${model.version}
${
  devKey
    ? `  dev key            seeded for tenant "dev" from BSNET_DEV_KEY
  try: curl -s -X POST ${edgeUrl}/v1/segment -H "Authorization: Bearer $BSNET_DEV_KEY" -H "Content-Type: image/jpeg" --data-binary @../shared/data/covid-semiseg/test/images/<slice>.jpg`
    : '  no BSNET_DEV_KEY set: create a key with `npm run keys -- create --tenant dev --name me`'
}
`);
}

main().catch((err: Error) => {
  console.error(`[start] ${err.message}`);
  stop(1);
});
