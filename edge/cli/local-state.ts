/**
 * Where the local stack keeps its state: `wrangler dev --persist-to LOCAL_STATE_DIR` (npm start),
 * the keys CLI and the dev-key seeding all use the same directory, so a key created here is the
 * key the local edge accepts.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (absolute, no trailing slash). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The edge's wrangler config: bindings (DB, QUOTA, MASKS) and the D1 migrations dir. */
export const WRANGLER_CONFIG = join(REPO_ROOT, 'wrangler.toml');

/** `--persist-to` of the local stack: repo-root `.wrangler/state` (absolute). */
export const LOCAL_STATE_DIR = join(REPO_ROOT, '.wrangler', 'state');

/**
 * The `persist.path` for getPlatformProxy that reaches the same data as
 * `wrangler dev|d1 … --persist-to stateDir`. Wrangler's commands put miniflare's state under
 * `<dir>/v3`, while getPlatformProxy uses its `path` as is (checked with wrangler 4.164: D1
 * migrated by `d1 migrations apply --persist-to X` is seen by `dev --persist-to X` and by
 * getPlatformProxy at `X/v3`, and not at `X`).
 */
export function proxyPersistPath(stateDir: string): string {
  return join(stateDir, 'v3');
}
