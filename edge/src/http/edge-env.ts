/**
 * The one Hono `Env` of the edge app: bindings from wrangler (generated `Env` plus secrets) and
 * the per-request variables middleware sets. Every handler and middleware is `Hono<EdgeEnv>`.
 */
import type { EdgeBindings, EdgeConfig } from '../config.js';

/** Who is calling, after authentication: a partner's API key or an upload token minted from one. */
export interface Principal {
  kind: 'api_key' | 'upload_token';
  /** Tenant every cache entry and quota is scoped to. */
  tenant: string;
  /** API key id (`key_…`) or upload token id (`tok_…`); safe to log, never the secret. */
  id: string;
  /** For upload tokens: the API key that minted it (revoking the key kills its tokens). */
  issuerKeyId?: string;
  scopes: readonly Scope[];
  /** Upload tokens only: the most slices it may upload, and when it expires (unix ms). */
  maxUploads?: number;
  expiresAt?: number;
}

/**
 * What a credential may do. Upload tokens only ever carry `segment`. `tenant:admin` manages the
 * tenant's own settings (its DICOMweb destination, with the PACS credentials in it): never given
 * by default, so a key that segments or mints tokens cannot redirect where results go.
 */
export const SCOPES = ['segment', 'tokens:create', 'tenant:admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface EdgeEnv {
  Bindings: EdgeBindings;
  Variables: {
    config: EdgeConfig;
    /** Correlation id echoed as X-Request-Id; random, never derived from the upload. */
    requestId: string;
    principal: Principal;
  };
}
