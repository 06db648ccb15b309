/**
 * AES-256-GCM sealing of destination credentials (WebCrypto, as in the Worker): a round trip,
 * a fresh IV per seal, and every way a sealed value must refuse to open: another tenant's
 * associated data, one flipped bit of ciphertext or IV, another key.
 */
import { describe, expect, it } from 'vitest';
import { DEV_DESTINATION_ENCRYPTION_KEY } from '../../../shared/dev-secrets.js';
import { cipherFor, CredentialCipher, CredentialCipherError, type SealedSecret } from './credential-cipher.js';

const key = (fill: number) => new Uint8Array(32).fill(fill);
const flipBit = (b64: string, at: number): string => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  bytes[at]! ^= 0x01;
  return btoa(String.fromCharCode(...bytes));
};

describe('credential cipher', () => {
  it('opens what it sealed, with the same associated data; the ciphertext is not the secret', async () => {
    const cipher = await CredentialCipher.create(key(7));
    const sealed = await cipher.seal('pässwörd: with colons and ünïcode', 'tenant=acme');
    expect(atob(sealed.iv)).toHaveLength(12);
    // The 16-byte tag follows the ciphertext: UTF-8 length + 16.
    expect(atob(sealed.ciphertext)).toHaveLength(new TextEncoder().encode('pässwörd: with colons and ünïcode').length + 16);
    expect(sealed.ciphertext).not.toContain('pässwörd');
    expect(await cipher.open(sealed, 'tenant=acme')).toBe('pässwörd: with colons and ünïcode');
  });

  it('draws a fresh IV for every seal, so the same secret never seals the same way', async () => {
    const cipher = await CredentialCipher.create(key(7));
    const seals = await Promise.all(Array.from({ length: 50 }, () => cipher.seal('same', 'tenant=acme')));
    expect(new Set(seals.map((s) => s.iv)).size).toBe(50);
    expect(new Set(seals.map((s) => s.ciphertext)).size).toBe(50);
  });

  it("refuses another tenant's associated data: a row copied to another tenant does not decrypt", async () => {
    const cipher = await CredentialCipher.create(key(7));
    const sealed = await cipher.seal('secret', 'tenant=acme');
    await expect(cipher.open(sealed, 'tenant=globex')).rejects.toThrow(CredentialCipherError);
    await expect(cipher.open(sealed, 'tenant=acme ')).rejects.toThrow(/does not open/);
  });

  it('refuses a tampered ciphertext, tag or IV', async () => {
    const cipher = await CredentialCipher.create(key(7));
    const sealed = await cipher.seal('secret', 'tenant=acme');
    const length = atob(sealed.ciphertext).length;
    const tampered: SealedSecret[] = [
      { ...sealed, ciphertext: flipBit(sealed.ciphertext, 0) },
      { ...sealed, ciphertext: flipBit(sealed.ciphertext, length - 1) },
      { ...sealed, iv: flipBit(sealed.iv, 5) },
      { ...sealed, ciphertext: btoa(atob(sealed.ciphertext).slice(0, -1)) },
    ];
    for (const t of tampered) await expect(cipher.open(t, 'tenant=acme')).rejects.toThrow(CredentialCipherError);
    await expect(cipher.open({ ...sealed, iv: '!!!' }, 'tenant=acme')).rejects.toThrow(/malformed/);
  });

  it('says when a value was sealed under another key, and never opens it', async () => {
    const sealed = await (await CredentialCipher.create(key(7))).seal('secret', 'tenant=acme');
    const other = await CredentialCipher.create(key(8));
    await expect(other.open(sealed, 'tenant=acme')).rejects.toThrow(/another DESTINATION_ENCRYPTION_KEY/);
    // Even with the key id forged, the tag check refuses it.
    await expect(other.open({ ...sealed, keyId: other.keyId }, 'tenant=acme')).rejects.toThrow(/does not open/);
  });

  it('takes 32-byte keys only, and imports a key once per isolate', async () => {
    await expect(CredentialCipher.create(new Uint8Array(16))).rejects.toThrow(/32 bytes, got 16/);
    const bytes = Uint8Array.from(atob(DEV_DESTINATION_ENCRYPTION_KEY), (c) => c.charCodeAt(0));
    expect(bytes).toHaveLength(32);
    expect(await cipherFor(bytes)).toBe(await cipherFor(bytes));
  });
});
