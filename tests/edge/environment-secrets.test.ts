/**
 * Regression (security review): the public development secrets applied whenever ENVIRONMENT was
 * not exactly `production`, so `staging` ran on them. The real Worker (wrangler's harness, no GPU
 * workers needed) with ENVIRONMENT=staging and no secrets must refuse to serve; with the secrets
 * it serves; and wrangler.toml's own `development` still runs on nothing set, as `npm start` does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestHarness } from 'wrangler';
import { Problem } from '../../shared/problem.js';

type Server = ReturnType<typeof createTestHarness>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Starts the Worker from wrangler.toml with `vars` and `secrets`, and GETs /openapi.json. */
async function openapi(vars: Record<string, string>, secrets: Record<string, string> = {}): Promise<{ res: Response; logs: string[] }> {
  process.env['CLOUDFLARE_CF_FETCH_ENABLED'] ??= 'false';
  server = createTestHarness({ workers: [{ configPath: 'wrangler.toml', vars, secrets }] });
  const { url } = await server.listen();
  const res = await fetch(new URL('/openapi.json', url));
  return { res, logs: server.getLogs().map((l) => String(l.message)) };
}

describe('which ENVIRONMENT may run on the development secrets', () => {
  it('refuses ENVIRONMENT=staging without secrets: every request fails on the config', async () => {
    const { res, logs } = await openapi({ ENVIRONMENT: 'staging' });
    expect(res.status).toBe(500);
    expect(Problem.parse(await res.json()).code).toBe('internal_error');
    // The operator reads which variables to set; the message names them and holds no request data.
    const line = logs.find((l) => l.includes('"event":"unhandled"') && l.includes('"error":"ConfigError"'));
    expect(line).toMatch(/WORKER_HMAC_SECRET/);
    expect(line).toMatch(/TOKEN_SIGNING_SECRET/);
    expect(line).toMatch(/DESTINATION_ENCRYPTION_KEY/);
  });

  it('serves ENVIRONMENT=staging once all three secrets are set, and not with only the first two', async () => {
    const two = { WORKER_HMAC_SECRET: 'w'.repeat(32), TOKEN_SIGNING_SECRET: 't'.repeat(32) };
    expect((await openapi({ ENVIRONMENT: 'staging' }, two)).res.status).toBe(500);
    await server?.close();
    const { res } = await openapi({ ENVIRONMENT: 'staging' }, { ...two, DESTINATION_ENCRYPTION_KEY: btoa('k'.repeat(32)) });
    expect(res.status).toBe(200);
  });

  it('still serves wrangler.toml’s ENVIRONMENT=development with nothing set (npm start)', async () => {
    const { res } = await openapi({});
    expect(res.status).toBe(200);
  });
});
