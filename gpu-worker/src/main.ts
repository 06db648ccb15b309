/** Entry point: config from the environment, the GPU worker, and signal handling for graceful shutdown. */
import { loadConfig } from './config.js';
import { createLogger } from './log.js';
import { startWorker } from './server.js';
import { resolveDevModel } from './model/dev-model.js';

const env = loadConfig();
const log = createLogger(env.logLevel);
const config = await resolveDevModel(env, log);
const worker = await startWorker(config);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info('signal received', { signal });
    worker.close().then(
      () => process.exit(0),
      (err: Error) => {
        log.error('shutdown failed', { error: err.message });
        process.exit(1);
      },
    );
  });
}
