/**
 * `GET /v1/health`: asks every GPU worker's /readyz (in parallel, short timeout) and answers
 * 200 when at least one is ready, 503 when none is. Worker origins are internal addresses and
 * stay out of the public answer: only counts are reported.
 */
import { Hono } from 'hono';
import { HealthResponse } from '../api/segment-schemas.js';
import { checkPoolHealth } from '../fanout/pool-health.js';
import type { EdgeEnv } from '../http/edge-env.js';
import { workerPoolFor } from '../segment/worker-pool-for.js';

export const healthRoute = new Hono<EdgeEnv>().get('/', async (c) => {
  const config = c.var.config;
  const report = await checkPoolHealth(workerPoolFor(config), { timeoutMs: 2_000 });
  const ready = report.workers.filter((w) => w.ready).length;
  const body: HealthResponse = {
    status: ready === 0 ? 'unavailable' : ready < report.workers.length ? 'degraded' : 'ok',
    model: { name: config.model.name, version: config.model.version },
    workers: { total: report.workers.length, ready },
  };
  return c.json(HealthResponse.parse(body), ready === 0 ? 503 : 200);
});
