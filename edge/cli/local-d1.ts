/**
 * The local D1 of `wrangler dev --persist-to <stateDir>`, reached from Node: migrations applied
 * by wrangler itself, then the database opened through getPlatformProxy (miniflare) on the same
 * files, so the key store runs its real SQL against it.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { getPlatformProxy } from 'wrangler';
import { seedKey } from '../src/auth/key-store.js';
import type { KeyRecord, NewKey } from '../src/auth/key-record.js';
import type { SqlDatabase } from '../src/auth/sql-database.js';
import { LOCAL_STATE_DIR, REPO_ROOT, WRANGLER_CONFIG, proxyPersistPath } from './local-state.js';
import { runWrangler } from './wrangler-process.js';

/** The D1 migrations dir named in wrangler.toml (`migrations_dir`). */
const MIGRATIONS_DIR = join(REPO_ROOT, 'edge', 'migrations');

/**
 * Applies edge/migrations to the local D1 under `stateDir` (idempotent: wrangler records what it
 * applied in `d1_migrations`).
 */
export async function applyLocalMigrations(stateDir: string = LOCAL_STATE_DIR): Promise<void> {
  await runWrangler(['d1', 'migrations', 'apply', 'DB', '--local', '-c', WRANGLER_CONFIG, '--persist-to', stateDir]);
}

/** An open local D1; `dispose()` stops the miniflare instance behind it. */
export interface LocalD1 {
  db: SqlDatabase;
  dispose(): Promise<void>;
}

/** Opens the local D1 under `stateDir` (migrations are not applied here: see applyLocalMigrations). */
export async function openLocalD1(stateDir: string = LOCAL_STATE_DIR): Promise<LocalD1> {
  const proxy = await getPlatformProxy<{ DB: SqlDatabase }>({
    configPath: WRANGLER_CONFIG,
    persist: { path: proxyPersistPath(stateDir) },
    // Keys live in local D1 only: no .env vars, no remote bindings (which would need a login).
    envFiles: [],
    remoteBindings: false,
  });
  return { db: proxy.env.DB, dispose: () => proxy.dispose() };
}

/** edge/migrations/*.sql not yet recorded in wrangler's `d1_migrations` table. */
export async function pendingMigrations(db: SqlDatabase): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
  let applied: Set<string>;
  try {
    const { results } = await db.prepare('SELECT name FROM d1_migrations').all<{ name: string }>();
    applied = new Set(results.map((r) => r.name));
  } catch {
    applied = new Set(); // a fresh database has no d1_migrations table yet
  }
  return files.filter((f) => !applied.has(f));
}

/**
 * Runs `fn` with the local D1 under `stateDir` open and migrated; always closes it. Wrangler is
 * only spawned (seconds) when a migration is pending; it migrates the files the proxy has open,
 * as it does under a running `wrangler dev`.
 */
export async function withLocalD1<T>(stateDir: string, fn: (db: SqlDatabase) => Promise<T>): Promise<T> {
  const local = await openLocalD1(stateDir);
  try {
    if ((await pendingMigrations(local.db)).length > 0) await applyLocalMigrations(stateDir);
    return await fn(local.db);
  } finally {
    await local.dispose();
  }
}

/**
 * Seeds a chosen key (e.g. `BSNET_DEV_KEY`) into the local D1, scopes defaulting to all; an
 * existing key is left as it is. Applies pending migrations first.
 *
 * @example
 * await seedLocalKey(LOCAL_STATE_DIR, { key: devKey, tenant: 'dev', name: 'BSNET_DEV_KEY (npm start)' });
 */
export function seedLocalKey(
  stateDir: string,
  input: Omit<NewKey, 'scopes'> & { key: string; scopes?: NewKey['scopes'] },
): Promise<{ record: KeyRecord; created: boolean }> {
  return withLocalD1(stateDir, (db) => seedKey(db, { ...input, scopes: input.scopes ?? ['segment', 'tokens:create'] }));
}

/** Seeds `BSNET_DEV_KEY` for tenant `dev` with both scopes into the local stack's D1. */
export function seedDevKey(key: string, stateDir: string = LOCAL_STATE_DIR): Promise<{ record: KeyRecord; created: boolean }> {
  return seedLocalKey(stateDir, { key, tenant: 'dev', name: 'BSNET_DEV_KEY (npm start)' });
}
