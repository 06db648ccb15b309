/**
 * Which QuotaCounter instance counts for a principal: one per credential, named by kind and id,
 * so keys and tokens never share a bucket and a token's upload count lives with its rate limit.
 */
import type { EdgeBindings } from '../config.js';
import type { Principal } from '../http/edge-env.js';

/** `key:<id>` for API keys, `token:<id>` for upload tokens. */
export function quotaName(principal: Principal): string {
  return `${principal.kind === 'api_key' ? 'key' : 'token'}:${principal.id}`;
}

/** The RPC stub of the principal's QuotaCounter. */
export function quotaStub(env: EdgeBindings, principal: Principal) {
  return env.QUOTA.get(env.QUOTA.idFromName(quotaName(principal)));
}
