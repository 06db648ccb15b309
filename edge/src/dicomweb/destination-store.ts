/**
 * Tenants' DICOMweb destinations in D1 (`dicomweb_destinations`, see
 * edge/migrations/0004_dicomweb_destinations.sql): put (create or replace), describe (what GET
 * shows: no secret, no decryption), find (with the credential opened, for a delivery) and
 * delete. The password or token is sealed by credential-cipher.ts with the tenant, URL, auth
 * type and username as associated data: a row copied to another tenant, or whose URL was edited
 * in D1 to point elsewhere, does not decrypt, so its credential cannot be sent anywhere else.
 */
import type { SqlDatabase } from '../auth/sql-database.js';
import { CredentialCipher, type SealedSecret } from './credential-cipher.js';
import type { AuthType, DestinationAuth, DestinationView, PutDestinationBody } from './destination-schemas.js';

/** A destination ready to deliver to: its base URL and credential in the clear. */
export interface Destination {
  url: string;
  auth: DestinationAuth;
}

interface DestinationRow {
  tenant: string;
  url: string;
  auth_type: AuthType;
  username: string | null;
  secret_iv: string | null;
  secret_ct: string | null;
  key_id: string | null;
  created_at: number;
  updated_at: number;
}

/** What the seal is bound to; versioned, so a later layout cannot be confused with this one. */
function associatedData(tenant: string, url: string, type: AuthType, username: string | null): string {
  return JSON.stringify(['bsnet.dicomweb-destination.v1', tenant, url, type, username ?? '']);
}

function toView(row: DestinationRow): DestinationView {
  return {
    url: row.url,
    auth: { type: row.auth_type, ...(row.username !== null ? { username: row.username } : {}) },
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

const secretOf = (auth: DestinationAuth): string | undefined => (auth.type === 'basic' ? auth.password : auth.type === 'bearer' ? auth.token : undefined);

/**
 * Stores the tenant's destination, replacing any (a fresh IV and seal each time); `body` is
 * already parsed and its URL checked. `created` says whether there was none before.
 *
 * @example
 * const { view, created } = await putDestination(env.DB, cipher, 'acme', body);
 */
export async function putDestination(
  db: SqlDatabase,
  cipher: CredentialCipher,
  tenant: string,
  body: PutDestinationBody,
  now: number = Date.now(),
): Promise<{ view: DestinationView; created: boolean }> {
  const username = body.auth.type === 'basic' ? body.auth.username : null;
  const secret = secretOf(body.auth);
  const sealed = secret === undefined ? undefined : await cipher.seal(secret, associatedData(tenant, body.url, body.auth.type, username));
  const row = await db
    .prepare(
      `INSERT INTO dicomweb_destinations (tenant, url, auth_type, username, secret_iv, secret_ct, key_id, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant) DO UPDATE SET url = excluded.url, auth_type = excluded.auth_type, username = excluded.username,
         secret_iv = excluded.secret_iv, secret_ct = excluded.secret_ct, key_id = excluded.key_id, updated_at = excluded.updated_at
       RETURNING *`,
    )
    .bind(tenant, body.url, body.auth.type, username, sealed?.iv ?? null, sealed?.ciphertext ?? null, sealed?.keyId ?? null, now, now)
    .first<DestinationRow>();
  if (!row) throw new Error('INSERT INTO dicomweb_destinations returned no row');
  return { view: toView(row), created: row.created_at === now && row.updated_at === now };
}

async function readRow(db: SqlDatabase, tenant: string): Promise<DestinationRow | undefined> {
  return (await db.prepare('SELECT * FROM dicomweb_destinations WHERE tenant = ?').bind(tenant).first<DestinationRow>()) ?? undefined;
}

/** The destination as GET shows it (nothing decrypted), or `undefined`. */
export async function describeDestination(db: SqlDatabase, tenant: string): Promise<DestinationView | undefined> {
  const row = await readRow(db, tenant);
  return row && toView(row);
}

/**
 * The destination with its credential opened, or `undefined` if the tenant has none. Throws
 * CredentialCipherError when the seal does not open (another key, a moved or edited row).
 */
export async function findDestination(db: SqlDatabase, cipher: CredentialCipher, tenant: string): Promise<Destination | undefined> {
  const row = await readRow(db, tenant);
  if (!row) return undefined;
  if (row.auth_type === 'none') return { url: row.url, auth: { type: 'none' } };
  const sealed: SealedSecret = { iv: row.secret_iv ?? '', ciphertext: row.secret_ct ?? '', keyId: row.key_id ?? '' };
  const secret = await cipher.open(sealed, associatedData(tenant, row.url, row.auth_type, row.username));
  return {
    url: row.url,
    auth: row.auth_type === 'basic' ? { type: 'basic', username: row.username ?? '', password: secret } : { type: 'bearer', token: secret },
  };
}

/** Removes the tenant's destination; whether there was one. */
export async function deleteDestination(db: SqlDatabase, tenant: string): Promise<boolean> {
  const row = await db.prepare('DELETE FROM dicomweb_destinations WHERE tenant = ? RETURNING tenant').bind(tenant).first<{ tenant: string }>();
  return row !== null;
}
