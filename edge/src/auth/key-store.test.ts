/**
 * The key store on a real D1 (miniflare via getPlatformProxy, edge/migrations applied): what is
 * stored, what is shown, and that revocation is immediate.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KeyInputError,
  createKey,
  findKey,
  findKeyById,
  listKeys,
  revokeKey,
  seedKey,
} from './key-store.js';
import { openTestD1, type TestD1 } from './test-d1.test-support.js';

let d1: TestD1;
beforeAll(async () => {
  d1 = await openTestD1();
});
afterAll(() => d1?.dispose());

const RECORD_FIELDS = ['createdAt', 'id', 'name', 'revokedAt', 'scopes', 'tenant'];

describe('key store', () => {
  it('stores only hashes: the key appears in no column', async () => {
    const { key, record } = await createKey(d1.db, { tenant: 'acme', name: 'prod', scopes: ['segment'] }, 1_000);
    expect(record).toEqual({ id: expect.stringMatching(/^key_/), tenant: 'acme', name: 'prod', scopes: ['segment'], createdAt: 1_000, revokedAt: null });
    const row = await d1.db.prepare('SELECT * FROM api_keys WHERE id = ?').bind(record.id).first<Record<string, unknown>>();
    const hash = createHash('sha256').update(key).digest('hex');
    expect(row).toMatchObject({ key_hash: hash, lookup: hash.slice(0, 16), scopes: '["segment"]', revoked_at: null });
    expect(Object.values(row!).some((v) => String(v).includes(key.slice('bsn_live_'.length)))).toBe(false);
  });

  it('finds a key by its text, constant-time on the full hash, and nothing else', async () => {
    const { key, record } = await createKey(d1.db, { tenant: 'acme', name: 'find me', scopes: ['segment', 'tokens:create'] });
    expect(await findKey(d1.db, key)).toEqual(record);
    expect(await findKey(d1.db, `${key}x`)).toBeUndefined();
    expect(await findKey(d1.db, 'bsn_live_not-a-real-key-at-all')).toBeUndefined();
    expect(await findKey(d1.db, 'short')).toBeUndefined();
    // Same lookup prefix, different full hash: the row is found by lookup and refused by hash.
    await d1.db.prepare("UPDATE api_keys SET key_hash = lookup || 'ffff' WHERE id = ?").bind(record.id).run();
    expect(await findKey(d1.db, key)).toBeUndefined();
  });

  it('lists records without keys or hashes, by tenant, oldest first', async () => {
    const a = await createKey(d1.db, { tenant: 'listed', name: 'a', scopes: ['segment'] }, 2_000);
    const b = await createKey(d1.db, { tenant: 'listed', name: 'b', scopes: ['tokens:create'] }, 3_000);
    const listed = await listKeys(d1.db, { tenant: 'listed' });
    expect(listed).toEqual([a.record, b.record]);
    for (const r of listed) expect(Object.keys(r).sort()).toEqual(RECORD_FIELDS);
    expect((await listKeys(d1.db)).map((r) => r.tenant)).toEqual(expect.arrayContaining(['acme', 'listed']));
    await expect(listKeys(d1.db, { tenant: 'Not A Tenant' })).rejects.toThrow(KeyInputError);
  });

  it('revokes at once, idempotently, keeping the first revocation time', async () => {
    const { key, record } = await createKey(d1.db, { tenant: 'acme', name: 'to revoke', scopes: ['segment'] });
    expect((await findKeyById(d1.db, record.id))?.revokedAt === null).toBe(true);
    expect(await revokeKey(d1.db, record.id, 5_000)).toBe(true);
    expect(await findKey(d1.db, key)).toMatchObject({ id: record.id, revokedAt: 5_000 });
    expect((await findKeyById(d1.db, record.id))?.revokedAt === null).toBe(false);
    expect(await revokeKey(d1.db, record.id, 9_000)).toBe(true);
    expect((await findKey(d1.db, key))?.revokedAt).toBe(5_000);
    expect(await revokeKey(d1.db, 'key_doesnotexist')).toBe(false);
    expect((await findKeyById(d1.db, 'key_doesnotexist'))?.revokedAt === null).toBe(false);
  });

  it('finds a key by id with just its tenant and revocation (what an upload token needs)', async () => {
    const { record } = await createKey(d1.db, { tenant: 'byid', name: 'by id', scopes: ['segment'] });
    expect(await findKeyById(d1.db, record.id)).toEqual({ tenant: 'byid', revokedAt: null });
    await revokeKey(d1.db, record.id, 7_000);
    expect(await findKeyById(d1.db, record.id)).toEqual({ tenant: 'byid', revokedAt: 7_000 });
    expect(await findKeyById(d1.db, 'key_doesnotexist')).toBeUndefined();
  });

  it('seeds a chosen key once and never undoes a revocation', async () => {
    const input = { key: 'my local development key', tenant: 'dev', name: 'dev', scopes: ['segment', 'tokens:create'] as const };
    const first = await seedKey(d1.db, { ...input, scopes: [...input.scopes] });
    expect(first.created).toBe(true);
    expect(await findKey(d1.db, input.key)).toEqual(first.record);
    const again = await seedKey(d1.db, { ...input, scopes: ['segment'] });
    expect(again).toEqual({ record: first.record, created: false });
    await revokeKey(d1.db, first.record.id);
    expect((await seedKey(d1.db, { ...input, scopes: ['segment'] })).record.revokedAt).not.toBeNull();
    expect((await findKeyById(d1.db, first.record.id))?.revokedAt === null).toBe(false);
    await expect(seedKey(d1.db, { ...input, key: 'too short', scopes: ['segment'] })).rejects.toThrow(/^key: /);
  });

  it('refuses bad input naming the field', async () => {
    const cases: [Parameters<typeof createKey>[1], string][] = [
      [{ tenant: 'Acme', name: 'n', scopes: ['segment'] }, 'tenant'],
      [{ tenant: '-acme', name: 'n', scopes: ['segment'] }, 'tenant'],
      [{ tenant: 'a'.repeat(64), name: 'n', scopes: ['segment'] }, 'tenant'],
      [{ tenant: 'acme', name: '  ', scopes: ['segment'] }, 'name'],
      [{ tenant: 'acme', name: 'line\nbreak', scopes: ['segment'] }, 'name'],
      [{ tenant: 'acme', name: 'n', scopes: [] }, 'scopes'],
      [{ tenant: 'acme', name: 'n', scopes: ['admin' as 'segment'] }, 'scopes[0]'],
    ];
    for (const [input, field] of cases) {
      const err = await createKey(d1.db, input).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KeyInputError);
      expect((err as KeyInputError).field).toBe(field);
    }
    expect((await createKey(d1.db, { tenant: 'a'.repeat(63), name: ' padded ', scopes: ['segment', 'segment'] })).record)
      .toMatchObject({ name: 'padded', scopes: ['segment'] });
  });
});
