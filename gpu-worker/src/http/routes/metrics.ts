/** Prometheus scrape endpoint. */
import { Hono } from 'hono';
import { PROMETHEUS_CONTENT_TYPE } from '../../metrics/registry.js';
import type { AppDeps } from '../app.js';

export function metricsRoutes({ config, state, metrics }: Pick<AppDeps, 'config' | 'state' | 'metrics'>): Hono {
  const app = new Hono();
  app.get('/metrics', (c) => {
    // Read from the pool at scrape time, so the gauges can never lag behind a thread's death.
    metrics.sessionThreadsReady.set(state.pool?.readyCount ?? 0);
    metrics.sessionThreadsConfigured.set(config.sessionThreads);
    return c.body(metrics.registry.render(), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
  });
  return app;
}
