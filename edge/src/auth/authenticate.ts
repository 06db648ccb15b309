/**
 * Who is calling: `authenticate()` turns `Authorization: Bearer <credential>` into the request's
 * `principal` (an API key looked up in D1, or an upload token whose signature we check and whose
 * issuing key, read from D1, must still be active and decides the tenant), and `requireScope()`
 * refuses principals lacking a scope.
 * Nothing is cached, so revoking a key stops it and all its tokens on the next request.
 */
import type { MiddlewareHandler } from 'hono';
import type { EdgeEnv, Principal, Scope } from '../http/edge-env.js';
import { EdgeError } from '../http/edge-error.js';
import { countAuthFailure, refuseBlockedAddress } from './auth-failure-limit.js';
import { insufficientScope, invalidCredential, unauthenticated } from './bearer-errors.js';
import { findKey, findKeyById } from './key-store.js';
import type { SqlDatabase } from './sql-database.js';
import { UPLOAD_TOKEN_PREFIX, verifyUploadToken } from './upload-token.js';

export interface AuthenticateOptions {
  /** Clock for token expiry, unix ms; tests inject one. */
  now?: () => number;
}

/** The credential of a Bearer header (auth scheme is case-insensitive, RFC 9110 §11.1). */
function bearerCredential(header: string | undefined): string {
  const hint = 'send Authorization: Bearer <API key or upload token>';
  if (header === undefined || header.trim() === '') throw unauthenticated(`missing Authorization header; ${hint}`);
  const match = /^Bearer +(\S.*)$/i.exec(header.trim());
  if (!match) throw unauthenticated(`Authorization header is not a Bearer credential; ${hint}`);
  return match[1]!.trim();
}

/**
 * Unknown and revoked keys get different codes on purpose: only someone holding the real key
 * can see `api_key_revoked`, so it tells an attacker nothing and tells a partner to rotate.
 */
async function apiKeyPrincipal(db: SqlDatabase, key: string): Promise<Principal> {
  const record = await findKey(db, key);
  if (!record) throw invalidCredential('invalid_api_key', 'API key not recognised');
  if (record.revokedAt !== null) throw invalidCredential('api_key_revoked', 'this API key has been revoked');
  return { kind: 'api_key', tenant: record.tenant, id: record.id, scopes: record.scopes };
}

/**
 * A token's signature proves only that someone holding the signing secret made it, and the
 * development secret is public, so the tenant is taken from the issuing key's row, never from
 * the payload alone: a payload naming another tenant than its key's is refused outright.
 */
async function uploadTokenPrincipal(db: SqlDatabase, secret: string, token: string, now: number): Promise<Principal> {
  const claimed = await verifyUploadToken(secret, token, now);
  // One indexed read per request buys immediate revocation of every token a key minted.
  const issuer = await findKeyById(db, claimed.issuerKeyId!);
  // We only mint for keys that exist, and keys are revoked, never deleted: no key means not ours.
  if (!issuer) throw invalidCredential('token_invalid', 'upload token names an API key that does not exist');
  if (issuer.tenant !== claimed.tenant) {
    throw invalidCredential('token_invalid', "upload token's tenant is not the tenant of the API key that issued it");
  }
  if (issuer.revokedAt !== null) {
    throw invalidCredential('token_revoked', 'the API key that issued this upload token has been revoked');
  }
  return { ...claimed, tenant: issuer.tenant };
}

/**
 * Middleware: authenticates the request and sets `c.var.principal`, or throws EdgeError 401
 * (`unauthenticated`, `invalid_api_key`, `api_key_revoked`, `token_invalid`, `token_expired`,
 * `token_revoked`), each with a `WWW-Authenticate: Bearer realm="bsnet"` challenge, or 429
 * `too_many_auth_failures` once the caller's address failed too often (auth-failure-limit.ts). Needs
 * `c.var.config` (token signing secret) and `c.env.DB`.
 *
 * @example
 * app.use('/v1/*', authenticate());
 */
export function authenticate(options: AuthenticateOptions = {}): MiddlewareHandler<EdgeEnv> {
  const now = options.now ?? Date.now;
  return async function authenticate(c, next) {
    refuseBlockedAddress(c);
    let principal: Principal;
    try {
      const credential = bearerCredential(c.req.header('Authorization'));
      principal = credential.startsWith(UPLOAD_TOKEN_PREFIX)
        ? await uploadTokenPrincipal(c.env.DB, c.var.config.tokenSigningSecret, credential, now())
        : await apiKeyPrincipal(c.env.DB, credential);
    } catch (err) {
      if (err instanceof EdgeError && err.status === 401) await countAuthFailure(c);
      throw err;
    }
    c.set('principal', principal);
    await next();
  };
}

/**
 * Throws EdgeError 403 `insufficient_scope` (field `scope`) unless `principal` has `scope`; a
 * missing principal (authenticate did not run) is refused as 401, never let through.
 */
export function assertScope(principal: Principal | undefined, scope: Scope): asserts principal is Principal {
  if (!principal) throw unauthenticated('this route needs a credential');
  if (!principal.scopes.includes(scope)) {
    const what = principal.kind === 'api_key' ? 'this API key' : 'an upload token';
    throw insufficientScope(scope, `${what} lacks the '${scope}' scope`);
  }
}

/**
 * Middleware: lets the request through only if `c.var.principal` has `scope`. Use after
 * `authenticate()`.
 *
 * @example
 * app.post('/v1/segment', requireScope('segment'), segment);
 */
export function requireScope(scope: Scope): MiddlewareHandler<EdgeEnv> {
  return async function requireScope(c, next) {
    assertScope(c.get('principal') as Principal | undefined, scope);
    await next();
  };
}
