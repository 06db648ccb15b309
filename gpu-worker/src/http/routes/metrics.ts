/** Prometheus scrape endpoint. */
import { Hono } from 'hono';
import { PROMETHEUS_CONTENT_TYPE } from '../../metrics/registry.js';
import type { WorkerMetrics } from '../../metrics/worker-metrics.js';

export function metricsRoutes(metrics: WorkerMetrics): Hono {
  const app = new Hono();
  app.get('/metrics', (c) => c.body(metrics.registry.render(), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE }));
  return app;
}
