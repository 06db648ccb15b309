/**
 * `GET /v1/health`: asks every GPU worker's /readyz (in parallel, short timeout) and answers
 * 200 when at least one is ready, 503 when none is. Worker origins are internal addresses and
 * stay out of the public answer: only counts are reported. The route is public, so one probe
 * round per isolate is shared for a few seconds: a flood of health checks cannot turn into a
 * flood of calls to the workers.
 */
import { Hono } from 'hono';
import { HealthResponse } from '../api/health-response.js';
import { checkPoolHealth, type PoolHealth } from '../fanout/pool-health.js';
import type { EdgeEnv } from '../http/edge-env.js';
import { gpuWorkerPoolFor } from '../fanout/pool-registry.js';

const PROBE_REUSE_MS = 2_000;
// The finished report, not the promise: workerd does not let one request wait on I/O that
// another request started.
let lastProbe: { at: number; key: string; report: PoolHealth } | undefined;

export const healthRoute = new Hono<EdgeEnv>().get('/', async (c) => {
  const config = c.var.config;
  const key = config.workerOrigins.join(',');
  const now = Date.now();
  if (!lastProbe || lastProbe.key !== key || now - lastProbe.at > PROBE_REUSE_MS) {
    lastProbe = { at: now, key, report: await checkPoolHealth(gpuWorkerPoolFor(config), { timeoutMs: 2_000 }) };
  }
  const { report } = lastProbe;
  const ready = report.workers.filter((w) => w.ready).length;
  const body: HealthResponse = {
    status: ready === 0 ? 'unavailable' : ready < report.workers.length ? 'degraded' : 'ok',
    model: { name: config.model.name, version: config.model.version },
    workers: { total: report.workers.length, ready },
  };
  return c.json(HealthResponse.parse(body), ready === 0 ? 503 : 200);
});
