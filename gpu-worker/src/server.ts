/**
 * Starts and stops one GPU worker: verifies the model, listens at once (so /healthz answers while
 * sessions load), loads and warms the session threads in the background, and shuts down
 * gracefully: refuse new work, finish queued and running batches, close, release sessions.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { WorkerConfig } from './config.js';
import { createApp } from './http/app.js';
import { Batcher } from './inference/batcher.js';
import { providerCandidates, SessionInitError } from './inference/ort-backend.js';
import { SessionPool } from './inference/session-pool.js';
import { createLogger } from './log.js';
import { createWorkerMetrics } from './metrics/worker-metrics.js';
import { loadModel } from './model/load-model.js';
import type { RuntimeState } from './runtime-state.js';

export interface RunningWorker {
  url: string;
  state: RuntimeState;
  /** Resolves when the model is loaded and warmed (or rejects when it cannot be). */
  ready: Promise<void>;
  /** Graceful shutdown; resolves once the last in-flight batch is answered and sessions are released. */
  close(): Promise<void>;
}

export async function startWorker(config: WorkerConfig): Promise<RunningWorker> {
  const log = createLogger(config.logLevel);
  const model = await loadModel(config.manifestPath);
  const { manifest } = model;
  const metrics = createWorkerMetrics();
  const state: RuntimeState = { phase: 'loading', manifest };
  const app = createApp({ config, state, metrics, log });

  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}`;
  log.info('worker listening', { url, model: manifest.name, version: manifest.version });

  let pool: SessionPool | undefined;
  const ready = SessionPool.create(
    {
      modelBytes: model.bytes,
      manifest,
      providers: providerCandidates(config.executionProvider),
      intraOpThreads: config.intraOpThreads,
      warmupBatchSizes: [1, Math.min(config.maxBatch, 2)],
    },
    config.sessionThreads,
    { log },
  ).then(
    (created) => {
      pool = created;
      if (state.phase === 'draining') return;
      const batcher = new Batcher(
        pool,
        {
          maxBatch: config.maxBatch,
          maxQueueDelayMs: config.maxQueueDelayMs,
          capacity: config.queueCapacity,
          sliceBytes: manifest.inputSize * manifest.inputSize,
        },
        metrics,
      );
      pool.onIdle = batcher.schedule;
      Object.assign(state, { phase: 'ready', pool, batcher });
      metrics.modelInfo.set(1, { name: manifest.name, version: manifest.version, sha256: manifest.sha256, provider: pool.provider });
      log.info('model ready', { provider: pool.provider, sessionThreads: pool.size, intraOpThreads: config.intraOpThreads });
    },
    (err: Error) => {
      state.phase = 'failed';
      state.failure = err.message;
      if (err instanceof SessionInitError) state.attempts = err.attempts;
      log.error('model failed to load', { requested: config.executionProvider, error: err.message });
      throw err;
    },
  );
  // The failure is reported through /readyz; callers who await `ready` see it too.
  ready.catch(() => undefined);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const wasPhase = state.phase;
      state.phase = 'draining';
      log.info('worker draining');
      // Stop accepting connections, but let the ones carrying queued requests get their answers.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      (server as Server).closeIdleConnections?.();
      if (wasPhase === 'ready') await state.batcher?.drain();
      const timer = setTimeout(() => (server as Server).closeAllConnections?.(), config.shutdownGraceMs);
      await closed;
      clearTimeout(timer);
      await ready.catch(() => undefined);
      await pool?.close();
      log.info('worker stopped');
    })());

  return { url, state, ready, close };
}
