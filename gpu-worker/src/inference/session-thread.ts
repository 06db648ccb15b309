/**
 * Body of one session thread: creates one long-lived backend (ort-backend.ts) for its whole
 * life and carries the pool's messages to it and its answers back. onnxruntime-node's run()
 * blocks its thread, which is why the session lives here and not on the HTTP event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { OrtBackend, SessionInitError } from './ort-backend.js';
import type { FromThread, RunRequest, ThreadInit } from './thread-messages.js';

const port = parentPort!;

function post(message: FromThread, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

// "No provider works" is an answer for the pool; anything else (a bad option) is a bug and ends
// the thread as an uncaught error, which the pool reports as such.
const backend = await OrtBackend.create(workerData as ThreadInit).catch((err: unknown) => {
  if (!(err instanceof SessionInitError)) throw err;
  post({ type: 'init-failed', attempts: err.attempts });
  return undefined;
});
if (backend) {
  post({ type: 'ready', provider: backend.provider, attempts: backend.attempts });
  // Batches arrive one at a time: the pool never posts to a busy thread.
  port.on('message', async (msg: RunRequest) => {
    const started = performance.now();
    try {
      const probabilities = await backend.run(msg.gray, msg.count);
      post({ type: 'result', id: msg.id, probabilities, computeMs: performance.now() - started }, [probabilities.buffer as ArrayBuffer]);
    } catch (err) {
      post({ type: 'run-failed', id: msg.id, error: (err as Error).message.slice(0, 500) });
    }
  });
}
