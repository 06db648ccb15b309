/**
 * Middleware: only the edge may call inference. Every request carries an HMAC-SHA256 over its
 * timestamp, method, request target (path and query) and body (shared/request-signing.ts);
 * missing, malformed, stale or wrong signatures get 401 before the body is even parsed.
 */
import type { MiddlewareHandler } from 'hono';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyRequest } from '../../../shared/request-signing.js';
import { WorkerError } from './worker-error.js';

export interface VerifySignatureOptions {
  secret: string;
  maxSkewMs: number;
}

const MESSAGES = {
  signature_missing: `missing ${SIGNATURE_HEADER} or ${TIMESTAMP_HEADER} header`,
  signature_malformed: `malformed ${SIGNATURE_HEADER} or ${TIMESTAMP_HEADER} header`,
  signature_stale: `${TIMESTAMP_HEADER} is outside the allowed clock skew`,
  signature_mismatch: 'signature does not match the request',
} as const;

export function verifySignature({ secret, maxSkewMs }: VerifySignatureOptions): MiddlewareHandler {
  return async function verifySignature(c, next) {
    const body = new Uint8Array(await c.req.arrayBuffer());
    // The whole target, not c.req.path: a query the signer did not sign must not ride along.
    const url = new URL(c.req.url);
    const failure = await verifyRequest({
      secret,
      method: c.req.method,
      target: url.pathname + url.search,
      body,
      signature: c.req.header(SIGNATURE_HEADER),
      timestamp: c.req.header(TIMESTAMP_HEADER),
      now: Date.now(),
      maxSkewMs,
    });
    if (failure) throw new WorkerError(401, failure, MESSAGES[failure]);
    await next();
  };
}
