/**
 * The `keys` CLI (create, list, revoke API keys; create a tenant's webhook signing secret) as a
 * function the tests can call: parses argv with node:util parseArgs, runs the key store against
 * the local D1 (default) or the production one (`--remote`), and writes to the given streams.
 * keys.ts only wires it to the process.
 */
import { parseArgs } from 'node:util';
import { KeyInputError, createKey, listKeys, revokeKey, validateNewKey, validateTenant } from '../src/auth/key-store.js';
import type { KeyRecord } from '../src/auth/key-record.js';
import type { SqlDatabase } from '../src/auth/sql-database.js';
import { SCOPES, type Scope } from '../src/http/edge-env.js';
import { createWebhookSecret } from '../src/webhooks/webhook-secret-store.js';
import { withLocalD1 } from './local-d1.js';
import { LOCAL_STATE_DIR } from './local-state.js';
import { wranglerD1 } from './wrangler-d1.js';

export const USAGE = `Usage: npm run keys -- <command> [options]

Commands:
  create --tenant T --name N [--scopes segment,tokens:create]   create a key (printed once);
                                                                 add tenant:admin for a key that
                                                                 sets the DICOMweb destination
  list [--tenant T]                                              list keys (never the keys)
  revoke <id>                                                    revoke a key and its tokens
  webhook-secret create --tenant T                               new webhook signing secret
                                                                 (printed once; replaces the old)

Options:
  --json              machine-readable output on stdout
  --remote            the production D1 (wrangler d1 execute --remote; needs wrangler login)
  --persist-to <dir>  local state dir (default: ${LOCAL_STATE_DIR})
  -h, --help          this help
`;

/** Where the CLI writes; the process streams in keys.ts, buffers in tests. */
export interface KeysIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Exit statuses: 0 done, 1 failed (unknown id, D1 or wrangler error), 2 bad usage. */
export type ExitCode = 0 | 1 | 2;

class UsageError extends Error {}

/** A record for output: times as ISO strings, never the hash (records have none). */
function recordJson(record: KeyRecord) {
  return {
    id: record.id,
    tenant: record.tenant,
    name: record.name,
    scopes: record.scopes,
    createdAt: new Date(record.createdAt).toISOString(),
    revokedAt: record.revokedAt === null ? null : new Date(record.revokedAt).toISOString(),
  };
}

function parseScopes(text: string | undefined): Scope[] {
  if (text === undefined) return ['segment', 'tokens:create'];
  const scopes = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const scope of scopes) {
    if (!(SCOPES as readonly string[]).includes(scope)) {
      throw new UsageError(`--scopes: unknown scope '${scope}' (known: ${SCOPES.join(', ')})`);
    }
  }
  return scopes as Scope[];
}

function table(records: KeyRecord[]): string {
  const rows = records.map((r) => {
    const j = recordJson(r);
    return [j.id, j.tenant, j.name, j.scopes.join(','), j.createdAt, j.revokedAt ? `revoked ${j.revokedAt}` : 'active'];
  });
  const all = [['ID', 'TENANT', 'NAME', 'SCOPES', 'CREATED', 'STATUS'], ...rows];
  const widths = all[0]!.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  return all.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/**
 * Runs one `keys` command and returns its exit status; never throws for user errors.
 *
 * @example
 * process.exitCode = await runKeysCommand(process.argv.slice(2));
 */
export async function runKeysCommand(argv: readonly string[], io: KeysIo = processIo): Promise<ExitCode> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        tenant: { type: 'string' },
        name: { type: 'string' },
        scopes: { type: 'string' },
        json: { type: 'boolean', default: false },
        remote: { type: 'boolean', default: false },
        'persist-to': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    io.stderr(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    (values.help || command === 'help' ? io.stdout : io.stderr)(USAGE);
    return values.help || command === 'help' ? 0 : 2;
  }
  if (values.remote && values['persist-to'] !== undefined) {
    io.stderr('--remote and --persist-to cannot be combined\n');
    return 2;
  }
  const stateDir = values['persist-to'] ?? LOCAL_STATE_DIR;
  const withDb = <T>(fn: (db: SqlDatabase) => Promise<T>): Promise<T> =>
    values.remote ? fn(wranglerD1({ remote: true })) : withLocalD1(stateDir, fn);

  try {
    switch (command) {
      case 'create': {
        if (rest.length > 0) throw new UsageError(`create takes no positional arguments, got '${rest[0]}'`);
        if (values.tenant === undefined) throw new UsageError('create needs --tenant');
        if (values.name === undefined) throw new UsageError('create needs --name');
        // Refuse bad input before starting miniflare or wrangler (seconds).
        const input = validateNewKey({ tenant: values.tenant, name: values.name, scopes: parseScopes(values.scopes) });
        const { key, record } = await withDb((db) => createKey(db, input));
        if (values.json) {
          io.stdout(JSON.stringify({ key, ...recordJson(record) }) + '\n');
        } else {
          io.stdout(
            `Created ${record.id} for tenant "${record.tenant}" (scopes: ${record.scopes.join(', ')}).\n` +
              `API key, shown this once; store it now:\n\n${key}\n`,
          );
        }
        return 0;
      }
      case 'list': {
        if (rest.length > 0) throw new UsageError(`list takes no positional arguments, got '${rest[0]}'`);
        const filter = values.tenant === undefined ? {} : { tenant: validateTenant(values.tenant) };
        const records = await withDb((db) => listKeys(db, filter));
        if (values.json) io.stdout(JSON.stringify(records.map(recordJson)) + '\n');
        else io.stdout(records.length === 0 ? 'No keys.\n' : table(records));
        return 0;
      }
      case 'revoke': {
        if (rest.length !== 1) throw new UsageError('revoke takes exactly one key id');
        const id = rest[0]!;
        const existed = await withDb((db) => revokeKey(db, id));
        if (values.json) io.stdout(JSON.stringify({ id, revoked: existed }) + '\n');
        if (!existed) {
          io.stderr(`No key with id ${id}.\n`);
          return 1;
        }
        if (!values.json) io.stdout(`Revoked ${id}; it and the upload tokens it minted no longer work.\n`);
        return 0;
      }
      case 'webhook-secret': {
        const [sub, ...extra] = rest;
        if (sub !== 'create') throw new UsageError(sub === undefined ? 'webhook-secret needs a subcommand: create' : `unknown webhook-secret subcommand '${sub}'`);
        if (extra.length > 0) throw new UsageError(`webhook-secret create takes no positional arguments, got '${extra[0]}'`);
        if (values.tenant === undefined) throw new UsageError('webhook-secret create needs --tenant');
        if (values.name !== undefined || values.scopes !== undefined) throw new UsageError('webhook-secret create takes no --name or --scopes');
        const tenant = validateTenant(values.tenant);
        const createdAt = Date.now();
        const secret = await withDb((db) => createWebhookSecret(db, tenant, createdAt));
        if (values.json) {
          io.stdout(JSON.stringify({ secret, tenant, createdAt: new Date(createdAt).toISOString() }) + '\n');
        } else {
          io.stdout(
            `Created the webhook signing secret of tenant "${tenant}"; any previous one no longer signs.\n` +
              `Secret, shown this once; give it to the tenant to verify study events:\n\n${secret}\n`,
          );
        }
        return 0;
      }
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof KeyInputError) {
      io.stderr(`--${err.field}: ${err.message.slice(err.field.length + 2)}\n`);
      return 2;
    }
    io.stderr(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

const processIo: KeysIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};
