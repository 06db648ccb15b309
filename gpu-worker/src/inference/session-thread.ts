/**
 * Body of one session thread: owns one long-lived onnxruntime session for its whole life and
 * runs batches posted by the pool. onnxruntime-node's run() blocks its thread, which is why
 * it lives here and not on the HTTP event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { batchModel, runBatch, type BatchModel } from './run-batch.js';
import { sessionOptions } from './session-options.js';
import type { FromThread, ProviderAttempt, RunRequest, ThreadInit } from './thread-messages.js';

const init = workerData as ThreadInit;
const port = parentPort!;
const pixels = init.inputSize * init.inputSize;

function post(message: FromThread, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

async function createSession(): Promise<{ model: BatchModel; attempts: ProviderAttempt[] } | { attempts: ProviderAttempt[] }> {
  const attempts: ProviderAttempt[] = [];
  for (const provider of init.providers) {
    let session: ort.InferenceSession | undefined;
    try {
      session = await ort.InferenceSession.create(init.modelBytes, sessionOptions(init.weightStorage, provider, init.intraOpThreads));
      // A provider can load and still fail at the first run (missing kernels, no adapter):
      // warm up before claiming it, so /readyz only reports a provider that has computed.
      const model = batchModel(session, init);
      for (const n of init.warmupBatchSizes) await runBatch(model, new Uint8Array(n * pixels), n);
      attempts.push({ provider, ok: true });
      return { model, attempts };
    } catch (err) {
      attempts.push({ provider, ok: false, error: (err as Error).message.slice(0, 500) });
      await session?.release().catch(() => undefined);
    }
  }
  return { attempts };
}

const created = await createSession();
if (!('model' in created)) {
  post({ type: 'init-failed', attempts: created.attempts });
} else {
  const { model } = created;
  post({ type: 'ready', provider: created.attempts.at(-1)!.provider, attempts: created.attempts });
  // Batches arrive one at a time: the pool never posts to a busy thread.
  port.on('message', async (msg: RunRequest) => {
    const started = performance.now();
    try {
      const probabilities = await runBatch(model, msg.gray, msg.count);
      post({ type: 'result', id: msg.id, probabilities, computeMs: performance.now() - started }, [probabilities.buffer as ArrayBuffer]);
    } catch (err) {
      post({ type: 'run-failed', id: msg.id, error: (err as Error).message.slice(0, 500) });
    }
  });
}
