/**
 * The local D1 is the one `wrangler … --persist-to <dir>` uses: wrangler keeps it under
 * `<dir>/v3`, getPlatformProxy under its path as given. Also the dev key seeding of npm start.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getPlatformProxy } from 'wrangler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKey } from '../src/auth/key-store.js';
import type { SqlDatabase } from '../src/auth/sql-database.js';
import { applyLocalMigrations, openLocalD1, pendingMigrations, seedDevKey, withLocalD1 } from './local-d1.js';
import { WRANGLER_CONFIG } from './local-state.js';

process.env['WRANGLER_LOG'] ??= 'error';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bsnet-local-d1-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function tables(persistPath: string): Promise<string[]> {
  const proxy = await getPlatformProxy<{ DB: SqlDatabase }>({ configPath: WRANGLER_CONFIG, persist: { path: persistPath }, envFiles: [], remoteBindings: false });
  try {
    const { results } = await proxy.env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{ name: string }>();
    return results.map((r) => r.name);
  } finally {
    await proxy.dispose();
  }
}

describe('local D1', () => {
  it('is where wrangler migrates it: getPlatformProxy sees it at <dir>/v3, not at <dir>', async () => {
    await applyLocalMigrations(dir);
    expect(await tables(join(dir, 'v3'))).toContain('api_keys');
    expect(await tables(dir)).not.toContain('api_keys');
    const local = await openLocalD1(dir);
    try {
      expect(await pendingMigrations(local.db)).toEqual([]);
    } finally {
      await local.dispose();
    }
  }, 120_000);

  it('seeds the dev key once, for tenant dev with both scopes', async () => {
    const devKey = 'the BSNET_DEV_KEY of this laptop';
    const first = await seedDevKey(devKey, dir);
    expect(first).toMatchObject({ created: true, record: { tenant: 'dev', scopes: ['segment', 'tokens:create'], revokedAt: null } });
    expect(await seedDevKey(devKey, dir)).toEqual({ record: first.record, created: false });
    expect(await withLocalD1(dir, (db) => findKey(db, devKey))).toEqual(first.record);
  }, 120_000);

  it('migrates a fresh dir on first use', async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'bsnet-local-d1-fresh-'));
    try {
      expect(await withLocalD1(fresh, (db) => pendingMigrations(db))).toEqual([]);
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  }, 120_000);
});
