/**
 * A real, empty D1 for tests: miniflare's, through wrangler's getPlatformProxy on the edge's own
 * the root wrangler.toml (in memory), with edge/migrations applied statement by statement as wrangler
 * splits them. `env` also carries the config vars, so loadConfig(env) works as in the Worker.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { D1Database } from '@cloudflare/workers-types';
import { getPlatformProxy, unstable_splitSqlQuery } from 'wrangler';

const EDGE = new URL('../../', import.meta.url);
const MIGRATIONS = new URL('migrations/', EDGE);

// Wrangler warns that the edge's Durable Object is missing outside `wrangler dev`; tests only use D1.
process.env['WRANGLER_LOG'] ??= 'error';

export interface TestD1 {
  db: D1Database;
  /** The whole binding set (vars, DB, …) for `app.request(path, init, env)` and loadConfig. */
  env: Record<string, unknown> & { DB: D1Database };
  dispose(): Promise<void>;
}

/** Starts miniflare with an empty in-memory D1 and applies every migration in order. */
export async function openTestD1(): Promise<TestD1> {
  const proxy = await getPlatformProxy<Record<string, unknown> & { DB: D1Database }>({
    configPath: new URL('../../../wrangler.toml', import.meta.url).pathname,
    persist: false,
    envFiles: [],
    remoteBindings: false,
  });
  const db = proxy.env.DB;
  for (const file of readdirSync(MIGRATIONS).filter((f) => f.endsWith('.sql')).sort()) {
    for (const sql of unstable_splitSqlQuery(readFileSync(new URL(file, MIGRATIONS), 'utf8'))) {
      await db.prepare(sql).run();
    }
  }
  return { db, env: proxy.env, dispose: () => proxy.dispose() };
}
