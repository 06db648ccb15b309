/**
 * Webhook secrets on a real D1 (miniflare via getPlatformProxy, edge/migrations applied): one
 * secret per tenant, stored as is so the Worker can sign, replaced on rotation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyInputError } from '../auth/key-store.js';
import { openTestD1, type TestD1 } from '../auth/test-d1.test-support.js';
import { signWebhook, verifyWebhook } from './sign-webhook.js';
import { createWebhookSecret, findWebhookSecret } from './webhook-secret-store.js';

let d1: TestD1;
beforeAll(async () => {
  d1 = await openTestD1();
});
afterAll(() => d1?.dispose());

describe('webhook secret store', () => {
  it('creates a whsec_ secret, stores it as is, and finds it for signing', async () => {
    const secret = await createWebhookSecret(d1.db, 'acme', 1_000);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const row = await d1.db.prepare('SELECT * FROM webhook_secrets WHERE tenant = ?').bind('acme').first();
    expect(row).toEqual({ tenant: 'acme', secret, created_at: 1_000 });
    const found = await findWebhookSecret(d1.db, 'acme');
    expect(found).toBe(secret);
    const signature = await signWebhook(found!, 'evt_1', 1_700_000_000, '{}');
    const headers = new Headers({ 'webhook-id': 'evt_1', 'webhook-timestamp': '1700000000', 'webhook-signature': signature });
    expect(await verifyWebhook(secret, headers, '{}', 300, 1_700_000_000)).toBe(true);
  });

  it('rotates: a second create replaces the tenant\'s secret and leaves other tenants alone', async () => {
    const first = await createWebhookSecret(d1.db, 'rotating', 2_000);
    const other = await createWebhookSecret(d1.db, 'bystander', 2_000);
    const second = await createWebhookSecret(d1.db, 'rotating', 3_000);
    expect(second).not.toBe(first);
    expect(await findWebhookSecret(d1.db, 'rotating')).toBe(second);
    expect(await findWebhookSecret(d1.db, 'bystander')).toBe(other);
    const rows = await d1.db.prepare("SELECT secret, created_at FROM webhook_secrets WHERE tenant = 'rotating'").all();
    expect(rows.results).toEqual([{ secret: second, created_at: 3_000 }]);
  });

  it('finds nothing for a tenant without one, and refuses a malformed tenant', async () => {
    expect(await findWebhookSecret(d1.db, 'nobody')).toBeUndefined();
    await expect(createWebhookSecret(d1.db, 'Not A Tenant')).rejects.toThrow(KeyInputError);
    await expect(createWebhookSecret(d1.db, 'Not A Tenant')).rejects.toMatchObject({ field: 'tenant' });
  });
});
