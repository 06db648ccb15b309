/**
 * A small Hono app wired as the edge wires auth (config first, the edge's real problem+json
 * error handler, authenticate on /v1/*, the tokens sub-app), over a real D1 from test-d1, so
 * tests send real requests with `app.request()`.
 */
import { Hono } from 'hono';
import { loadConfig, type EdgeBindings } from '../config.js';
import type { EdgeEnv } from '../http/edge-env.js';
import { handleError } from '../http/problem-response.js';
import { authenticate, requireScope } from './authenticate.js';
import type { TestD1 } from './test-d1.test-support.js';
import { tokensRoute } from './tokens-route.js';

export interface AuthApp {
  /** Sends a request with `Authorization: Bearer <credential>` when one is given. */
  request(path: string, init?: RequestInit & { credential?: string }): Promise<Response>;
  /** The clock authenticate checks token expiry against (unix ms); tests move it. */
  clock: { now: number };
}

/** Builds the app over `d1`; `/v1/whoami` echoes the principal, `/v1/mint-only` needs tokens:create. */
export function authApp(d1: TestD1): AuthApp {
  const env = d1.env as unknown as EdgeBindings;
  const clock = { now: Date.now() };
  const app = new Hono<EdgeEnv>();
  app.onError(handleError);
  app.use('*', async (c, next) => {
    c.set('config', loadConfig(c.env));
    c.set('requestId', 'test');
    await next();
  });
  app.use('/v1/*', authenticate({ now: () => clock.now }));
  app.get('/v1/whoami', (c) => c.json(c.var.principal));
  app.get('/v1/mint-only', requireScope('tokens:create'), (c) => c.text('ok'));
  app.route('/v1/tokens', tokensRoute);
  return {
    clock,
    async request(path, { credential, ...init } = {}) {
      const headers = new Headers(init.headers);
      if (credential !== undefined) headers.set('Authorization', `Bearer ${credential}`);
      return app.request(path, { ...init, headers }, env);
    },
  };
}
