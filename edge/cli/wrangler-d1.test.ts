/**
 * The `--remote` path without the network: SQL inlining on its own, then the key store's real
 * SQL through `wrangler d1 execute --json --command`, pointed at a local persist dir instead.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, findKey, findKeyById, listKeys, revokeKey, seedKey } from '../src/auth/key-store.js';
import { applyLocalMigrations } from './local-d1.js';
import { inlineSql, sqlLiteral, wranglerD1 } from './wrangler-d1.js';

describe('inlineSql', () => {
  it('inlines strings, numbers and NULL as literals', () => {
    expect(inlineSql('INSERT INTO t VALUES (?, ?, ?)', ["O'Brien", 42, null])).toBe("INSERT INTO t VALUES ('O''Brien', 42, NULL)");
    expect(sqlLiteral("'; DROP TABLE api_keys; --")).toBe("'''; DROP TABLE api_keys; --'");
  });

  it('leaves question marks inside string literals alone', () => {
    expect(inlineSql("SELECT '?' AS q, ? AS v", ['x'])).toBe("SELECT '?' AS q, 'x' AS v");
  });

  it('refuses placeholder counts that do not match, and numbers SQL cannot spell', () => {
    expect(() => inlineSql('SELECT ?, ?', ['a'])).toThrow(/values/);
    expect(() => inlineSql('SELECT ?', ['a', 'b'])).toThrow(/values: 2 given/);
    expect(() => sqlLiteral(Number.NaN)).toThrow(RangeError);
  });
});

describe('wranglerD1 (local persist dir standing in for --remote)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bsnet-wrangler-d1-'));
    await applyLocalMigrations(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('runs create, find, list, revoke and seed with the same SQL as the Worker', async () => {
    const db = wranglerD1({ remote: false, persistTo: dir });
    const { key, record } = await createKey(db, { tenant: 'acme', name: "O'Brien's key; DROP TABLE api_keys", scopes: ['segment'] });
    expect(record.name).toBe("O'Brien's key; DROP TABLE api_keys");
    expect(await listKeys(db, { tenant: 'acme' })).toEqual([record]);
    expect(await findKey(db, key)).toEqual(record);
    expect(await revokeKey(db, record.id)).toBe(true);
    expect((await findKeyById(db, record.id))?.revokedAt === null).toBe(false);
    expect(await revokeKey(db, 'key_missing')).toBe(false);
    const seeded = await seedKey(db, { key: 'a dev key of some length', tenant: 'dev', name: 'dev', scopes: ['segment'] });
    expect((await seedKey(db, { key: 'a dev key of some length', tenant: 'dev', name: 'dev', scopes: ['segment'] })).created).toBe(false);
    expect(seeded.created).toBe(true);
  }, 120_000);

  it('reports SQL errors as errors', async () => {
    await expect(wranglerD1({ remote: false, persistTo: dir }).prepare('SELECT nope FROM api_keys').all()).rejects.toThrow(/no such column/);
  });
});
