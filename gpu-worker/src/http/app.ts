/** Assembles the worker's HTTP app: routes, 404s and the problem+json error handler. */
import { Hono } from 'hono';
import { INFER_PATH } from '../../../shared/infer-protocol.js';
import type { WorkerConfig } from '../config.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import type { RuntimeState } from '../runtime-state.js';
import { healthRoutes } from './routes/health.js';
import { inferRoutes } from './routes/infer.js';
import { metricsRoutes } from './routes/metrics.js';
import { handleError, problemResponse, WorkerError } from './worker-error.js';

export function createApp(config: WorkerConfig, state: RuntimeState, metrics: WorkerMetrics): Hono {
  const app = new Hono();
  // While draining, every answer closes its connection so shutdown need not wait out keep-alives.
  app.use(async (c, next) => {
    await next();
    if (state.phase === 'draining') c.header('connection', 'close');
  });
  app.route('/', healthRoutes(state, config.executionProvider));
  app.route('/', metricsRoutes(metrics));
  app.route('/', inferRoutes(config, state, metrics));
  app.notFound((c) => problemResponse(c, new WorkerError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`)));
  app.onError((err, c) => {
    const response = handleError(err, c);
    // Every refused inference is counted by its reason, so /metrics shows bad callers as well as overload.
    if (c.req.path === INFER_PATH) metrics.requestFailure.inc({ reason: err instanceof WorkerError ? err.code : 'internal_error' });
    return response;
  });
  return app;
}
