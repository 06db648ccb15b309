/**
 * The edge's authentication refusals as EdgeErrors, each with the `WWW-Authenticate` challenge
 * RFC 6750 §3 asks of a Bearer-protected resource, so generic OAuth clients know what happened.
 */
import { EdgeError } from '../http/edge-error.js';
import type { Scope } from '../http/edge-env.js';

/** The realm every challenge names. */
export const REALM = 'bsnet';

/** 401 `unauthenticated`: no usable `Authorization: Bearer` header (no error code, per §3.1). */
export function unauthenticated(message: string): EdgeError {
  return new EdgeError(401, 'unauthenticated', message, {
    headers: { 'WWW-Authenticate': `Bearer realm="${REALM}"` },
  });
}

/** 401 with our `code` (`invalid_api_key`, `token_expired`, …) and OAuth's `invalid_token`. */
export function invalidCredential(code: string, message: string): EdgeError {
  return new EdgeError(401, code, message, {
    headers: { 'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_token"` },
  });
}

/** 403 `insufficient_scope`, naming the scope that was missing (field `scope`). */
export function insufficientScope(scope: Scope, message: string): EdgeError {
  return new EdgeError(403, 'insufficient_scope', message, {
    field: 'scope',
    headers: { 'WWW-Authenticate': `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}"` },
  });
}
