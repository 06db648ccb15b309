/** Assembles the GPU worker's HTTP app: routes, 404s and the problem+json error handler. */
import { Hono } from 'hono';
import { INFER_PATH } from '../../../shared/infer-protocol.js';
import type { WorkerConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import type { RuntimeState } from '../runtime-state.js';
import { healthRoutes } from './routes/health.js';
import { inferRoutes } from './routes/infer.js';
import { metricsRoutes } from './routes/metrics.js';
import { errorHandler, toProblemError, WorkerError } from './worker-error.js';

/** What the routes read: the parsed config, the live state, the metrics and the logger. */
export interface AppDeps {
  config: WorkerConfig;
  state: RuntimeState;
  metrics: WorkerMetrics;
  log: Logger;
}

export function createApp(deps: AppDeps): Hono {
  const { state, metrics } = deps;
  const app = new Hono();
  // While draining, every answer closes its connection so shutdown need not wait out keep-alives.
  app.use(async (c, next) => {
    await next();
    if (state.phase === 'draining') c.header('connection', 'close');
  });
  app.route('/', healthRoutes(state, deps.config.executionProvider));
  app.route('/', metricsRoutes(deps));
  app.route('/', inferRoutes(deps));
  app.notFound((c) => new WorkerError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`).toResponse());
  const handleError = errorHandler(deps.log);
  app.onError((err, c) => {
    const response = handleError(err, c);
    // Every refused inference is counted by its reason, so /metrics shows bad callers as well as overload.
    if (c.req.path === INFER_PATH) metrics.requestFailure.inc({ reason: toProblemError(err).code });
    return response;
  });
  return app;
}
