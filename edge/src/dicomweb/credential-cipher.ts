/**
 * Seals and opens tenants' DICOMweb credentials (a password or bearer token) with AES-256-GCM
 * through WebCrypto, so D1 never holds them as is. Each seal draws a fresh random 96-bit IV
 * (NIST SP 800-38D §8.2.2: with one key, IVs must never repeat; 2^-32 collision odds are reached
 * only after ~2^32 writes, far beyond a per-tenant setting). The caller's additional
 * authenticated data binds the ciphertext to its context (tenant, URL): a sealed value moved to
 * another context fails its tag check instead of decrypting. Web APIs only.
 */
import { base64ToBytes, bytesToBase64 } from '../imaging/base64.js';

/** The stored form: base64 IV and ciphertext (with its 128-bit tag), and which key sealed it. */
export interface SealedSecret {
  iv: string;
  ciphertext: string;
  /** First 16 hex chars of SHA-256(key): tells "sealed under another key" apart from tampering. */
  keyId: string;
}

/** A sealed value that does not open: tampered, another context, or another key. Never carries the value. */
export class CredentialCipherError extends Error {
  override name = 'CredentialCipherError';
}

const IV_BYTES = 12;


const utf8 = (text: string): Uint8Array<ArrayBuffer> => new Uint8Array(new TextEncoder().encode(text));

export class CredentialCipher {
  private constructor(
    private readonly key: CryptoKey,
    readonly keyId: string,
  ) {}

  /**
   * Imports the 32-byte key (non-extractable); throws on any other length.
   *
   * @example
   * const cipher = await CredentialCipher.create(config.destinationEncryptionKey);
   */
  static async create(keyBytes: Uint8Array): Promise<CredentialCipher> {
    if (keyBytes.length !== 32) throw new CredentialCipherError(`the key must be 32 bytes, got ${keyBytes.length}`);
    const raw = new Uint8Array(keyBytes);
    const key = await crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', raw));
    const keyId = Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
    return new CredentialCipher(key, keyId);
  }

  /**
   * Encrypts `plaintext` bound to `aad`.
   *
   * @example
   * const sealed = await cipher.seal(password, `tenant=${tenant}`);
   */
  async seal(plaintext: string, aad: string): Promise<SealedSecret> {
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8(aad) }, this.key, utf8(plaintext)));
    return { iv: bytesToBase64(iv), ciphertext: bytesToBase64(ciphertext), keyId: this.keyId };
  }

  /**
   * Decrypts a sealed value with the same `aad`; throws CredentialCipherError when the key, the
   * context or a single bit differs.
   */
  async open(sealed: SealedSecret, aad: string): Promise<string> {
    if (sealed.keyId !== this.keyId) {
      throw new CredentialCipherError(`sealed under another DESTINATION_ENCRYPTION_KEY (key id ${sealed.keyId}, now ${this.keyId})`);
    }
    const iv = base64ToBytes(sealed.iv);
    const ciphertext = base64ToBytes(sealed.ciphertext);
    if (!iv || iv.length !== IV_BYTES || !ciphertext) throw new CredentialCipherError('the sealed value is malformed');
    try {
      const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: utf8(aad) }, this.key, ciphertext);
      return new TextDecoder().decode(plain);
    } catch {
      // WebCrypto's OperationError says nothing more; the tag failed (tampered, another context).
      throw new CredentialCipherError('the sealed value does not open with this key and context (tampered, or moved)');
    }
  }
}

const ciphers = new WeakMap<Uint8Array, Promise<CredentialCipher>>();

/**
 * The cipher of a key, imported once per isolate: the config (and so its key bytes) is memoised
 * per env, so this is a map lookup after the first call.
 *
 * @example
 * const cipher = await cipherFor(c.var.config.destinationEncryptionKey);
 */
export function cipherFor(keyBytes: Uint8Array): Promise<CredentialCipher> {
  let cipher = ciphers.get(keyBytes);
  if (!cipher) {
    cipher = CredentialCipher.create(keyBytes);
    ciphers.set(keyBytes, cipher);
  }
  return cipher;
}
