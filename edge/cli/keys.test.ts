/**
 * The keys CLI end to end, as real processes (tsx edge/cli/keys.ts) on a temporary persist dir:
 * create prints the key once, list never shows keys or hashes, revoke takes effect, and the
 * Worker's key lookup (findKey through getPlatformProxy on the same dir) agrees.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKey } from '../src/auth/key-store.js';
import { runKeysCommand, USAGE } from './keys-command.js';
import { openLocalD1 } from './local-d1.js';
import { REPO_ROOT } from './local-state.js';

const TSX = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bsnet-keys-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tsx edge/cli/keys.ts …args --persist-to <dir>` with the Node running the tests. */
function keys(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSX, 'edge/cli/keys.ts', ...args, '--persist-to', dir], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function activeKeyId(key: string): Promise<string | undefined> {
  const local = await openLocalD1(dir);
  try {
    const record = await findKey(local.db, key);
    return record?.revokedAt === null ? record.id : undefined;
  } finally {
    await local.dispose();
  }
}

describe('keys CLI', () => {
  let key = '';
  let id = '';

  it('create --json prints the key once, with its record', async () => {
    const run = await keys('create', '--tenant', 'acme', '--name', 'e2e key', '--json');
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['key', 'id', 'tenant', 'name', 'scopes', 'createdAt', 'revokedAt']);
    expect(out).toMatchObject({ key: expect.stringMatching(/^bsn_live_/), tenant: 'acme', name: 'e2e key', scopes: ['segment', 'tokens:create'], revokedAt: null });
    key = out['key'] as string;
    id = out['id'] as string;
    expect(await activeKeyId(key)).toBe(id);
  }, 60_000);

  it('list shows it, never the key or its hash', async () => {
    const run = await keys('list', '--json');
    expect(run.code, run.stderr).toBe(0);
    const listed = JSON.parse(run.stdout) as Record<string, unknown>[];
    expect(listed).toEqual([{ id, tenant: 'acme', name: 'e2e key', scopes: ['segment', 'tokens:create'], createdAt: expect.any(String), revokedAt: null }]);
    const hash = createHash('sha256').update(key).digest('hex');
    for (const secret of [key, hash, hash.slice(0, 16)]) expect(run.stdout).not.toContain(secret);
  }, 60_000);

  it('revoke makes the key unusable at once, and list says so', async () => {
    const run = await keys('revoke', id);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Revoked ${id}`);
    expect(await activeKeyId(key)).toBeUndefined();
    const listed = await keys('list', '--tenant', 'acme');
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+acme\\s+e2e key\\s+segment,tokens:create\\s+\\S+\\s+revoked \\d{4}-`));
  }, 60_000);

  it('prints a created key as text too, with scopes as asked', async () => {
    const run = await keys('create', '--tenant', 'beta', '--name', 'server', '--scopes', 'segment');
    expect(run.code, run.stderr).toBe(0);
    const created = run.stdout.match(/^bsn_live_\S+$/m)?.[0];
    expect(created).toBeDefined();
    expect(run.stdout).toContain('(scopes: segment)');
    expect(await activeKeyId(created!)).toMatch(/^key_/);
  }, 60_000);

  it('fails with status 1 and a reason for an unknown id', async () => {
    const missing = await keys('revoke', 'key_missing');
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('No key with id key_missing')]);
  }, 60_000);
});

describe('keys CLI usage errors (in process: refused before any database is opened)', () => {
  async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await runKeysCommand(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  }

  it('exits 2 naming the flag or the problem', async () => {
    const cases: [string[], string][] = [
      [['create', '--tenant', 'Not Valid', '--name', 'x'], '--tenant: tenant must be'],
      [['create', '--tenant', 'acme', '--name', ' '], '--name: name must not be empty'],
      [['create', '--tenant', 'acme', '--name', 'x', '--scopes', 'admin'], "--scopes: unknown scope 'admin'"],
      [['create', '--tenant', 'acme', '--name', 'x', '--scopes', ','], '--scopes: a key needs at least one scope'],
      [['create', '--name', 'x'], 'create needs --tenant'],
      [['list', '--tenant', 'UPPER'], '--tenant: tenant must be'],
      [['list', '--colour'], "Unknown option '--colour'"],
      [['revoke'], 'revoke takes exactly one key id'],
      [['rotate'], "unknown command 'rotate'"],
      [['list', '--remote', '--persist-to', '/tmp/x'], '--remote and --persist-to cannot be combined'],
      [[], 'Usage: npm run keys'],
    ];
    for (const [argv, message] of cases) {
      const result = await run(...argv);
      expect([argv, result.code, result.stderr]).toEqual([argv, 2, expect.stringContaining(message)]);
    }
  });

  it('prints help on --help, exit 0', async () => {
    expect(await run('--help')).toEqual({ code: 0, stdout: USAGE, stderr: '' });
  });
});
