/**
 * The key store's SqlDatabase over `wrangler d1 execute --json --command`: how `keys --remote`
 * reaches the production D1 with the same SQL the Worker runs. `--command` takes no bound
 * parameters, so values are inlined as SQL literals here; the tests run this adapter against a
 * local persist dir, which exercises everything but the network.
 */
import type { SqlDatabase, SqlStatement, SqlValue } from '../src/auth/sql-database.js';
import { WRANGLER_CONFIG } from './local-state.js';
import { runWrangler } from './wrangler-process.js';

/** The production D1 (needs `wrangler login` or CLOUDFLARE_API_TOKEN), or a local state dir. */
export type WranglerD1Target = { remote: true } | { remote: false; persistTo: string };

/** One value as an SQL literal: strings quoted with '' escapes, finite numbers, NULL. */
export function sqlLiteral(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`value: cannot inline ${value} in SQL`);
    return String(value);
  }
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Replaces each `?` placeholder outside string literals with its value as a literal. Throws
 * RangeError when placeholders and values differ in number.
 *
 * @example
 * inlineSql('SELECT * FROM t WHERE a = ? AND b = ?', ["it's", 3]) // "… a = 'it''s' AND b = 3"
 */
export function inlineSql(sql: string, values: readonly SqlValue[]): string {
  let out = '';
  let next = 0;
  let inString = false;
  for (const ch of sql) {
    if (ch === "'") inString = !inString;
    if (ch === '?' && !inString) {
      if (next >= values.length) throw new RangeError(`values: the SQL has more than ${values.length} placeholders`);
      out += sqlLiteral(values[next++]!);
    } else {
      out += ch;
    }
  }
  if (next !== values.length) throw new RangeError(`values: ${values.length} given, the SQL has ${next} placeholders`);
  return out;
}

type Row = Record<string, unknown>;

async function execute(target: WranglerD1Target, sql: string): Promise<Row[]> {
  const where = target.remote ? ['--remote'] : ['--local', '--persist-to', target.persistTo];
  const { stdout } = await runWrangler(['d1', 'execute', 'DB', ...where, '-c', WRANGLER_CONFIG, '--json', '--command', sql]);
  const answer: unknown = JSON.parse(stdout);
  // Wrangler reports SQL errors as {"error": {"text": …}}, sometimes with exit status 0.
  if (!Array.isArray(answer)) {
    const text = (answer as { error?: { text?: string } } | null)?.error?.text;
    throw new Error(`D1 refused the statement: ${text ?? stdout.trim()}`);
  }
  const first = answer[0] as { results?: Row[] } | undefined;
  return first?.results ?? [];
}

function statement(target: WranglerD1Target, sql: string, values: readonly SqlValue[]): SqlStatement {
  return {
    bind: (...next) => statement(target, sql, next),
    // The store's row types are plain column records, as D1's own generic `first<T>` assumes.
    first: async <T>() => ((await execute(target, inlineSql(sql, values)))[0] ?? null) as T | null,
    all: async <T>() => ({ results: (await execute(target, inlineSql(sql, values))) as T[] }),
  };
}

/**
 * A SqlDatabase that runs every statement through wrangler; one process per statement, fine for
 * a CLI. Statements must be single (the key store's are).
 */
export function wranglerD1(target: WranglerD1Target): SqlDatabase {
  return { prepare: (sql) => statement(target, sql, []) };
}
