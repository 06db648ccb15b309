/**
 * First middleware of every request: parses the config once per isolate, gives the request an
 * id (X-Request-Id), sets the security headers, marks every answer `no-store` (masks of clinical
 * images must not sit in shared caches) and writes one access-log line with no request data.
 */
import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { loadConfig } from '../config.js';
import type { EdgeEnv } from './edge-env.js';
import { logEvent } from './log-event.js';

const applySecureHeaders = secureHeaders({
  // The API serves JSON and PNG; the docs page is server-rendered HTML with inline styles only.
  contentSecurityPolicy: { defaultSrc: ["'none'"], styleSrc: ["'unsafe-inline'"], imgSrc: ["'self'", 'data:'], frameAncestors: ["'none'"] },
  strictTransportSecurity: 'max-age=63072000; includeSubDomains',
  crossOriginResourcePolicy: 'same-origin',
  xFrameOptions: 'DENY',
});

export function requestContext(): MiddlewareHandler<EdgeEnv> {
  return async (c, next) => {
    const started = Date.now();
    c.set('config', loadConfig(c.env));
    const requestId = crypto.randomUUID();
    c.set('requestId', requestId);
    await applySecureHeaders(c, async () => {
      await next();
    });
    c.header('x-request-id', requestId);
    c.header('cache-control', 'no-store');
    const principal = c.get('principal');
    logEvent('info', 'request', {
      requestId,
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      ms: Date.now() - started,
      tenant: principal?.tenant,
      credential: principal?.id,
      cache: c.res.headers.get('x-cache') ?? undefined,
    });
  };
}
