/**
 * `keys webhook-secret create` against a real local D1 on a temporary persist dir (in process:
 * runKeysCommand opens it the way the CLI does): the secret is printed once and is what the
 * Worker finds to sign with; a second create rotates it. Usage errors are refused before any
 * database is opened.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findWebhookSecret } from '../src/webhooks/webhook-secret-store.js';
import { runKeysCommand } from './keys-command.js';
import { openLocalD1 } from './local-d1.js';

// Wrangler warns that the edge's Durable Object is missing outside `wrangler dev`; only D1 is used.
process.env['WRANGLER_LOG'] ??= 'error';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bsnet-webhook-secret-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runKeysCommand(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

async function storedSecret(tenant: string): Promise<string | undefined> {
  const local = await openLocalD1(dir);
  try {
    return await findWebhookSecret(local.db, tenant);
  } finally {
    await local.dispose();
  }
}

describe('keys webhook-secret create', () => {
  it('prints the secret once (--json), stores it, and rotates it on a second create (text)', async () => {
    const created = await run('webhook-secret', 'create', '--tenant', 'acme', '--json', '--persist-to', dir);
    expect(created.code, created.stderr).toBe(0);
    const out = JSON.parse(created.stdout) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['secret', 'tenant', 'createdAt']);
    expect(out).toMatchObject({ secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/), tenant: 'acme', createdAt: expect.stringMatching(/^\d{4}-/) });
    expect(await storedSecret('acme')).toBe(out['secret']);

    const rotated = await run('webhook-secret', 'create', '--tenant', 'acme', '--persist-to', dir);
    expect(rotated.code, rotated.stderr).toBe(0);
    const secret = rotated.stdout.match(/^whsec_\S+$/m)?.[0];
    expect(secret).toBeDefined();
    expect(secret).not.toBe(out['secret']);
    expect(rotated.stdout).toContain('tenant "acme"; any previous one no longer signs');
    expect(await storedSecret('acme')).toBe(secret);
  }, 120_000);

  it('exits 2 naming the flag or the problem', async () => {
    const cases: [string[], string][] = [
      [['webhook-secret'], 'webhook-secret needs a subcommand: create'],
      [['webhook-secret', 'rotate', '--tenant', 'acme'], "unknown webhook-secret subcommand 'rotate'"],
      [['webhook-secret', 'create'], 'webhook-secret create needs --tenant'],
      [['webhook-secret', 'create', 'extra', '--tenant', 'acme'], "takes no positional arguments, got 'extra'"],
      [['webhook-secret', 'create', '--tenant', 'Not Valid'], '--tenant: tenant must be'],
      [['webhook-secret', 'create', '--tenant', 'acme', '--name', 'x'], 'takes no --name or --scopes'],
    ];
    for (const [argv, message] of cases) {
      const result = await run(...argv, '--persist-to', dir);
      expect([argv, result.code, result.stderr]).toEqual([argv, 2, expect.stringContaining(message)]);
    }
  });
});
