/**
 * Per-tenant webhook signing secrets in D1 (`webhook_secrets`, see
 * edge/migrations/0003_webhook_secrets.sql): create (which rotates) and find. Stored as is, since
 * signing needs the secret itself. Shared by the Worker (over `env.DB`) and the keys CLI, which
 * is why it takes the SqlDatabase slice of D1 rather than D1Database.
 */
import { validateTenant } from '../auth/key-store.js';
import type { SqlDatabase } from '../auth/sql-database.js';
import { newWebhookSecret } from './sign-webhook.js';

/**
 * Makes a new signing secret for `tenant` and stores it, replacing any existing one (rotation:
 * the next delivery is signed with the new secret, the old one is gone). Returns the secret;
 * the caller shows it to the tenant once. Throws KeyInputError (`tenant`) for a bad tenant.
 *
 * @example
 * const secret = await createWebhookSecret(env.DB, 'acme'); // 'whsec_…'
 */
export async function createWebhookSecret(db: SqlDatabase, tenant: string, now: number = Date.now()): Promise<string> {
  const valid = validateTenant(tenant);
  const row = await db
    .prepare(
      `INSERT INTO webhook_secrets (tenant, secret, created_at) VALUES (?, ?, ?)
       ON CONFLICT (tenant) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at
       RETURNING secret`,
    )
    .bind(valid, newWebhookSecret(), now)
    .first<{ secret: string }>();
  if (!row) throw new Error('INSERT INTO webhook_secrets returned no row');
  return row.secret;
}

/**
 * The tenant's current signing secret, or `undefined` if none was created yet.
 *
 * @example
 * const secret = await findWebhookSecret(env.DB, study.tenant);
 */
export async function findWebhookSecret(db: SqlDatabase, tenant: string): Promise<string | undefined> {
  const row = await db.prepare('SELECT secret FROM webhook_secrets WHERE tenant = ?').bind(tenant).first<{ secret: string }>();
  return row?.secret;
}
