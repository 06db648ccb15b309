/**
 * The slice of D1's API the key store uses. D1Database satisfies it as is; the keys CLI also
 * satisfies it over `wrangler d1 execute --remote`, so both run the very same SQL. Only `first`
 * and `all` are used because local `wrangler d1 execute --json` reports no `meta.changes`:
 * writes say what they touched with RETURNING instead.
 */

/** A value D1 can bind: what SQLite stores (no blobs needed here). */
export type SqlValue = string | number | null;

/** A prepared statement, as in D1 (`prepare(sql).bind(...).first()`). */
export interface SqlStatement {
  bind(...values: SqlValue[]): SqlStatement;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  all<T = Record<string, unknown>>(): Promise<{ results: T[] }>;
}

/** Anything that prepares SQL statements: a `D1Database`, or the CLI's remote adapter. */
export interface SqlDatabase {
  prepare(query: string): SqlStatement;
}
