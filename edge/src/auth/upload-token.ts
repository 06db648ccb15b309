/**
 * Upload tokens: short-lived, HMAC-signed credentials an API key mints for a browser, so the
 * partner's key never leaves their server. Stateless to verify (signature and expiry); the
 * caller also checks the issuing key is still active and is of the token's tenant (authenticate.ts),
 * and the QuotaCounter counts its uploads.
 *
 * Format: `bsu_` + base64url(JSON payload) + `.` + base64url(HMAC-SHA256(secret, payload part)).
 */
import type { Principal } from '../http/edge-env.js';
import { decodeBase64url, encodeBase64url, encodeBase64urlText, randomBase64url } from './base64url.js';
import { insufficientScope, invalidCredential } from './bearer-errors.js';
import { TokenPayload, type TokenRequest, type TokenResponse } from './upload-token-schemas.js';

/** What every upload token starts with; `authenticate` routes on it. */
export const UPLOAD_TOKEN_PREFIX = 'bsu_';

/** A real token is ~230 chars; anything far longer is refused before any crypto runs. */
const MAX_TOKEN_LENGTH = 1024;

/** HMAC-SHA256 output, bytes. */
const SIGNATURE_BYTES = 32;

function importHmacKey(secret: string) {
  const raw = new TextEncoder().encode(secret);
  return crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

// Typed by inference: the Workers and Node type libraries name CryptoKey differently.
const hmacKeys = new Map<string, ReturnType<typeof importHmacKey>>();

/** The imported HMAC key for a secret, imported once per isolate. */
function hmacKey(secret: string): ReturnType<typeof importHmacKey> {
  if (secret.length < 16) throw new RangeError('secret: the token signing secret must be at least 16 chars');
  let key = hmacKeys.get(secret);
  if (!key) {
    key = importHmacKey(secret);
    hmacKeys.set(secret, key);
  }
  return key;
}

const invalid = () => invalidCredential('token_invalid', 'upload token is malformed or its signature does not match');

/**
 * Mints an upload token for an API key principal: scope `segment` only, tenant and issuing key
 * taken from the principal. `now` is unix ms.
 *
 * @example
 * const answer = await mintUploadToken(config.tokenSigningSecret, c.var.principal, { expiresInMinutes: 15, maxUploads: 10 });
 */
export async function mintUploadToken(
  secret: string,
  principal: Principal,
  request: TokenRequest,
  now: number = Date.now(),
): Promise<TokenResponse> {
  // A token minting tokens would outlive its own expiry and quota; only keys mint.
  if (principal.kind !== 'api_key') throw insufficientScope('tokens:create', 'upload tokens cannot mint upload tokens');
  const payload: TokenPayload = {
    v: 1,
    jti: `tok_${randomBase64url(16)}`,
    ten: principal.tenant,
    kid: principal.id,
    scp: ['segment'],
    exp: Math.floor(now / 1000) + request.expiresInMinutes * 60,
    max: request.maxUploads,
  };
  const body = encodeBase64urlText(JSON.stringify(payload));
  const signature = await crypto.subtle.sign('HMAC', await hmacKey(secret), new TextEncoder().encode(body));
  return {
    token: `${UPLOAD_TOKEN_PREFIX}${body}.${encodeBase64url(new Uint8Array(signature))}`,
    tokenId: payload.jti,
    expiresAt: new Date(payload.exp * 1000).toISOString(),
    maxUploads: payload.max,
    scopes: ['segment'],
  };
}

/**
 * Checks an upload token's signature (constant time, via crypto.subtle.verify) and expiry and
 * returns its principal. Throws EdgeError 401 `token_invalid` (malformed, bad signature) or
 * `token_expired`. Does not check the issuing key (revocation, tenant): that needs D1, see
 * `authenticate`, so the principal returned here is only what the token claims.
 */
export async function verifyUploadToken(secret: string, token: string, now: number = Date.now()): Promise<Principal> {
  if (!token.startsWith(UPLOAD_TOKEN_PREFIX) || token.length > MAX_TOKEN_LENGTH) throw invalid();
  const parts = token.slice(UPLOAD_TOKEN_PREFIX.length).split('.');
  if (parts.length !== 2) throw invalid();
  const [body, sig] = parts as [string, string];
  const signature = decodeBase64url(sig);
  if (!signature || signature.length !== SIGNATURE_BYTES) throw invalid();
  const ok = await crypto.subtle.verify('HMAC', await hmacKey(secret), signature, new TextEncoder().encode(body));
  if (!ok) throw invalid();

  // Signed by us, so parse failures mean a format change, but stay strict all the same.
  const bytes = decodeBase64url(body);
  let json: unknown;
  try {
    json = bytes && JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw invalid();
  }
  const parsed = TokenPayload.safeParse(json);
  if (!parsed.success) throw invalid();
  const payload = parsed.data;

  const expiresAt = payload.exp * 1000;
  if (now >= expiresAt) {
    throw invalidCredential('token_expired', `upload token expired at ${new Date(expiresAt).toISOString()}`);
  }
  return {
    kind: 'upload_token',
    tenant: payload.ten,
    id: payload.jti,
    issuerKeyId: payload.kid,
    scopes: payload.scp,
    maxUploads: payload.max,
    expiresAt,
  };
}
