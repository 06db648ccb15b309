/**
 * Liveness and readiness. /healthz answers while the process lives (even while loading);
 * /readyz only says ready once the session threads have loaded and run a warm-up batch and at
 * least one of them is still up, and names the provider really in use, so an orchestrator never
 * routes to a GPU worker that silently fell back or lost every thread. Its 200 body is the
 * shared ReadyzBody the edge parses.
 */
import { Hono } from 'hono';
import type { ExecutionProvider, ReadyzBody } from '../../../../shared/worker-readiness.js';
import type { RuntimeState } from '../../runtime-state.js';
import { requireReady } from '../require-ready.js';

export function healthRoutes(state: RuntimeState, requestedProvider: 'auto' | ExecutionProvider): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    const { pool } = requireReady(state, requestedProvider);
    const { manifest } = state;
    const sessionThreads = pool.threadCount;
    return c.json({
      status: 'ready',
      model: { name: manifest.name, version: manifest.version, sha256: manifest.sha256, inputSize: manifest.inputSize },
      executionProvider: pool.provider,
      requestedExecutionProvider: requestedProvider,
      providerAttempts: pool.attempts,
      sessionThreads,
    } satisfies ReadyzBody);
  });
  return app;
}
