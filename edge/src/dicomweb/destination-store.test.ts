/**
 * DICOMweb destinations on a real D1 (miniflare via getPlatformProxy, edge/migrations applied):
 * one per tenant, replaced by a second put, the credential sealed in the row (never the
 * password or token as is), opened only for its own tenant and URL, deleted on request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestD1, type TestD1 } from '../auth/test-d1.test-support.js';
import { CredentialCipher, CredentialCipherError } from './credential-cipher.js';
import { deleteDestination, describeDestination, findDestination, putDestination } from './destination-store.js';

let d1: TestD1;
let cipher: CredentialCipher;
beforeAll(async () => {
  d1 = await openTestD1();
  cipher = await CredentialCipher.create(new Uint8Array(32).fill(3));
});
afterAll(() => d1?.dispose());

const PASSWORD = 'correct horse battery staple';

describe('destination store', () => {
  it('stores basic auth sealed, describes it without the password, and finds it opened', async () => {
    const { view, created } = await putDestination(d1.db, cipher, 'acme', { url: 'https://pacs.example/dicom-web', auth: { type: 'basic', username: 'bsnet', password: PASSWORD } }, 1_000);
    expect(created).toBe(true);
    expect(view).toEqual({ url: 'https://pacs.example/dicom-web', auth: { type: 'basic', username: 'bsnet' }, createdAt: new Date(1_000).toISOString(), updatedAt: new Date(1_000).toISOString() });
    const row = await d1.db.prepare('SELECT * FROM dicomweb_destinations WHERE tenant = ?').bind('acme').first<Record<string, unknown>>();
    expect(JSON.stringify(row)).not.toContain(PASSWORD);
    expect(row).toMatchObject({ auth_type: 'basic', username: 'bsnet', key_id: cipher.keyId });
    expect(await describeDestination(d1.db, 'acme')).toEqual(view);
    expect(await findDestination(d1.db, cipher, 'acme')).toEqual({ url: 'https://pacs.example/dicom-web', auth: { type: 'basic', username: 'bsnet', password: PASSWORD } });
  });

  it('replaces on a second put: new auth, a fresh seal, createdAt kept', async () => {
    await putDestination(d1.db, cipher, 'rotating', { url: 'https://a.example/dicomweb', auth: { type: 'bearer', token: 'tok-1' } }, 2_000);
    const before = await d1.db.prepare("SELECT secret_iv, secret_ct FROM dicomweb_destinations WHERE tenant = 'rotating'").first();
    const { view, created } = await putDestination(d1.db, cipher, 'rotating', { url: 'https://b.example/dicomweb', auth: { type: 'bearer', token: 'tok-2' } }, 3_000);
    expect(created).toBe(false);
    expect(view).toMatchObject({ url: 'https://b.example/dicomweb', auth: { type: 'bearer' }, createdAt: new Date(2_000).toISOString(), updatedAt: new Date(3_000).toISOString() });
    const after = await d1.db.prepare("SELECT secret_iv, secret_ct FROM dicomweb_destinations WHERE tenant = 'rotating'").first();
    expect(after).not.toEqual(before);
    expect((await findDestination(d1.db, cipher, 'rotating'))?.auth).toEqual({ type: 'bearer', token: 'tok-2' });
    const { results } = await d1.db.prepare("SELECT tenant FROM dicomweb_destinations WHERE tenant = 'rotating'").all();
    expect(results).toHaveLength(1);
  });

  it('keeps no secret for auth none', async () => {
    await putDestination(d1.db, cipher, 'open', { url: 'https://open.example/dicom-web', auth: { type: 'none' } });
    expect(await d1.db.prepare("SELECT secret_iv, secret_ct, username FROM dicomweb_destinations WHERE tenant = 'open'").first()).toEqual({ secret_iv: null, secret_ct: null, username: null });
    expect((await findDestination(d1.db, cipher, 'open'))?.auth).toEqual({ type: 'none' });
  });

  it("does not open a row copied to another tenant, or pointed at another URL", async () => {
    await putDestination(d1.db, cipher, 'victim', { url: 'https://pacs.victim.example/dicom-web', auth: { type: 'basic', username: 'u', password: PASSWORD } });
    await d1.db
      .prepare("INSERT INTO dicomweb_destinations SELECT 'thief', url, auth_type, username, secret_iv, secret_ct, key_id, created_at, updated_at FROM dicomweb_destinations WHERE tenant = 'victim'")
      .run();
    await expect(findDestination(d1.db, cipher, 'thief')).rejects.toThrow(CredentialCipherError);
    await d1.db.prepare("UPDATE dicomweb_destinations SET url = 'https://attacker.example/dicom-web' WHERE tenant = 'victim'").run();
    await expect(findDestination(d1.db, cipher, 'victim')).rejects.toThrow(CredentialCipherError);
  });

  it('deletes, and finds nothing for a tenant without one', async () => {
    await putDestination(d1.db, cipher, 'leaving', { url: 'https://pacs.example/dicom-web', auth: { type: 'none' } });
    expect(await deleteDestination(d1.db, 'leaving')).toBe(true);
    expect(await deleteDestination(d1.db, 'leaving')).toBe(false);
    expect(await describeDestination(d1.db, 'leaving')).toBeUndefined();
    expect(await findDestination(d1.db, cipher, 'leaving')).toBeUndefined();
  });
});
