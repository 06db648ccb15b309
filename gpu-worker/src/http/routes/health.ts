/**
 * Liveness and readiness. /healthz answers while the process lives (even while loading);
 * /readyz only says ready once every session has loaded and run a warm-up batch, and names the
 * provider really in use, so an orchestrator never routes to a worker that silently fell back.
 */
import { Hono } from 'hono';
import type { RuntimeState } from '../../runtime-state.js';
import { WorkerError } from '../worker-error.js';

export function healthRoutes(state: RuntimeState, requestedProvider: string): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    const { manifest } = state;
    const model = { name: manifest.name, version: manifest.version, sha256: manifest.sha256, inputSize: manifest.inputSize };
    if (state.phase !== 'ready') {
      const detail =
        state.phase === 'failed'
          ? `model failed to load with the requested execution provider (${requestedProvider}): ${state.failure}`
          : `model is ${state.phase}`;
      throw new WorkerError(503, `not_ready_${state.phase}`, detail, { retryAfter: state.phase === 'loading' ? 5 : 30 });
    }
    return c.json({
      status: 'ready',
      model,
      executionProvider: state.provider,
      requestedExecutionProvider: requestedProvider,
      providerAttempts: state.attempts,
    });
  });
  return app;
}
