/**
 * API keys in D1 (`api_keys`, see edge/migrations/0001_api_keys.sql): create, list, revoke,
 * find. Nothing is cached: every request reads its key's row, so a revocation takes effect on
 * the very next request. Shared by the Worker (over `env.DB`) and the keys CLI.
 */
import type { z } from 'zod';
import { issueField } from '../../../shared/zod-issue.js';
import { generateApiKey, hashApiKey, hashesEqual, isPlausibleApiKey, lookupOf, newKeyId } from './api-key.js';
import { KeyRecord, NewKey, Tenant } from './key-record.js';
import type { SqlDatabase } from './sql-database.js';

/** A refused input to the store, naming the field (`tenant`, `name`, `scopes`, `key`). */
export class KeyInputError extends Error {
  override name = 'KeyInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** The row as D1 returns it, minus `lookup`/`key_hash`, which only `findKey` ever selects. */
interface KeyRow {
  id: string;
  tenant: string;
  name: string;
  scopes: string;
  created_at: number;
  revoked_at: number | null;
}

const COLUMNS = 'id, tenant, name, scopes, created_at, revoked_at';

function toRecord(row: KeyRow): KeyRecord {
  let scopes: unknown;
  try {
    scopes = JSON.parse(row.scopes);
  } catch {
    scopes = row.scopes;
  }
  const parsed = KeyRecord.safeParse({
    id: row.id,
    tenant: row.tenant,
    name: row.name,
    scopes,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  });
  // A row we cannot read is refused loudly (fail closed) rather than half-trusted.
  if (!parsed.success) throw new Error(`api_keys row ${row.id} is malformed: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Parses with `schema` or throws KeyInputError naming the field (`field` for a bare value). */
function parseInput<S extends z.ZodType>(schema: S, value: unknown, field = 'input'): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new KeyInputError(issueField(issue) || field, issue.message);
}

/**
 * Validates a `createKey` input without touching the database (the CLI checks before it opens
 * D1); throws KeyInputError naming the field.
 */
export function validateNewKey(input: NewKey): z.output<typeof NewKey> {
  return parseInput(NewKey, input);
}

/** Validates a tenant filter the same way; throws KeyInputError (`tenant`). */
export function validateTenant(tenant: string): string {
  return parseInput(Tenant, tenant, 'tenant');
}

/**
 * Creates a key for a tenant. The key itself is in the result only here: it is hashed before
 * storage and cannot be shown again.
 *
 * @example
 * const { key, record } = await createKey(env.DB, { tenant: 'acme', name: 'prod', scopes: ['segment'] });
 */
export async function createKey(
  db: SqlDatabase,
  input: NewKey,
  now: number = Date.now(),
): Promise<{ key: string; record: KeyRecord }> {
  const { tenant, name, scopes } = parseInput(NewKey, input);
  const key = generateApiKey();
  const hash = await hashApiKey(key);
  const row = await db
    .prepare(
      `INSERT INTO api_keys (id, tenant, name, lookup, key_hash, scopes, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
    )
    .bind(newKeyId(), tenant, name, lookupOf(hash), hash, JSON.stringify(scopes), now)
    .first<KeyRow>();
  if (!row) throw new Error('INSERT INTO api_keys returned no row');
  return { key, record: toRecord(row) };
}

/**
 * Stores a key chosen elsewhere (the local `BSNET_DEV_KEY`) unless it is already stored. An
 * existing key is left exactly as it is, revocation included: seeding never undoes a revoke.
 */
export async function seedKey(
  db: SqlDatabase,
  input: NewKey & { key: string },
  now: number = Date.now(),
): Promise<{ record: KeyRecord; created: boolean }> {
  if (!isPlausibleApiKey(input.key)) throw new KeyInputError('key', 'must be 16 to 512 chars');
  const { tenant, name, scopes } = parseInput(NewKey, input);
  const hash = await hashApiKey(input.key);
  const inserted = await db
    .prepare(
      `INSERT INTO api_keys (id, tenant, name, lookup, key_hash, scopes, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (lookup) DO NOTHING RETURNING ${COLUMNS}`,
    )
    .bind(newKeyId(), tenant, name, lookupOf(hash), hash, JSON.stringify(scopes), now)
    .first<KeyRow>();
  if (inserted) return { record: toRecord(inserted), created: true };
  const existing = await findKey(db, input.key);
  // Same 64-bit lookup, different key: astronomically unlikely, but never hand back another key.
  if (!existing) throw new Error('a different key already uses this key lookup prefix');
  return { record: existing, created: false };
}

/** Every key (of one tenant, if given), oldest first; records only, never hashes. */
export async function listKeys(db: SqlDatabase, filter: { tenant?: string } = {}): Promise<KeyRecord[]> {
  const statement =
    filter.tenant === undefined
      ? db.prepare(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`)
      : db
          .prepare(`SELECT ${COLUMNS} FROM api_keys WHERE tenant = ? ORDER BY created_at, id`)
          .bind(validateTenant(filter.tenant));
  const { results } = await statement.all<KeyRow>();
  return results.map(toRecord);
}

/**
 * Revokes a key; it and every upload token it minted stop working on their next request.
 * Idempotent: revoking again keeps the first revocation time. Returns whether the key exists.
 */
export async function revokeKey(db: SqlDatabase, id: string, now: number = Date.now()): Promise<boolean> {
  const row = await db
    .prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING id')
    .bind(now, id)
    .first<{ id: string }>();
  return row !== null;
}

/**
 * The stored key matching `key`, revoked or not; `undefined` if none. The indexed `lookup`
 * finds the row, then the full hash is compared in constant time.
 */
export async function findKey(db: SqlDatabase, key: string): Promise<KeyRecord | undefined> {
  if (!isPlausibleApiKey(key)) return undefined;
  const hash = await hashApiKey(key);
  const row = await db
    .prepare(`SELECT ${COLUMNS}, key_hash FROM api_keys WHERE lookup = ?`)
    .bind(lookupOf(hash))
    .first<KeyRow & { key_hash: string }>();
  if (!row || !hashesEqual(row.key_hash, hash)) return undefined;
  return toRecord(row);
}

/** What an upload token needs of its issuing key: whose it is, and whether it still works. */
export interface IssuingKey {
  tenant: string;
  /** Unix ms; `null` while the key is active. */
  revokedAt: number | null;
}

/**
 * The tenant and revocation of key `id`, or `undefined` if there is no such key: one indexed
 * read (the primary key), which is all `authenticate` spends on an upload token.
 */
export async function findKeyById(db: SqlDatabase, id: string): Promise<IssuingKey | undefined> {
  const row = await db
    .prepare('SELECT tenant, revoked_at FROM api_keys WHERE id = ?')
    .bind(id)
    .first<{ tenant: string; revoked_at: number | null }>();
  if (!row) return undefined;
  // Fail closed on a row we cannot read, as toRecord does.
  const tenant = Tenant.safeParse(row.tenant);
  if (!tenant.success) throw new Error(`api_keys row ${id} is malformed: ${tenant.error.issues[0]?.message}`);
  return { tenant: tenant.data, revokedAt: row.revoked_at };
}
