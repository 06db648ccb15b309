/**
 * Notices a GPU worker that stopped answering while a call to it is in flight (a stalled
 * process, a frozen VM), so the call is abandoned and retried elsewhere in seconds instead of at
 * the call's timeout. A GPU worker runs inference on session threads, so its HTTP event loop
 * answers `GET /healthz` at once even when every thread is busy: a probe that gets no answer
 * means the process itself is not running. Probing starts only after `afterMs`, so short calls
 * cost no extra subrequest; a long call costs one `/healthz` per `everyMs`.
 * Workers runtime code: Web APIs only.
 */
import { GpuWorkerCallError } from './gpu-worker-call-error.js';

export interface LivenessOptions {
  /** How long a call runs before its GPU worker is probed (default 2 s). */
  afterMs?: number;
  /** Time between probes while the call runs (default 2 s). */
  everyMs?: number;
  /** How long a probe may take before the GPU worker counts as stalled (default 1.5 s). */
  probeTimeoutMs?: number;
}

/** Whether `origin`'s GET /healthz answers 200 within `timeoutMs`. */
async function answersHealthz(origin: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** A running watch: `stop()` ends it; `sawAlive()` says whether a probe got an answer. */
export interface LivenessWatch {
  stop(): void;
  /** True once /healthz answered during the call: a timeout then is load, not ill health. */
  sawAlive(): boolean;
}

/**
 * Probes `origin`'s /healthz while a call runs; calls `onStalled` once, with a GpuWorkerCallError
 * of kind `stalled`, when a probe gets no answer.
 *
 * @example
 * const watch = watchLiveness(origin, {}, (err) => call.abort(err));
 * try { await inferOnGpuWorker(origin, slices, { ...opts, signal: call.signal }); } finally { watch.stop(); }
 */
export function watchLiveness(origin: string, options: LivenessOptions, onStalled: (err: GpuWorkerCallError) => void): LivenessWatch {
  const afterMs = options.afterMs ?? 2_000;
  const everyMs = options.everyMs ?? 2_000;
  const probeTimeoutMs = options.probeTimeoutMs ?? 1_500;
  let stopped = false;
  let alive = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const probe = async (): Promise<void> => {
    const answered = await answersHealthz(origin, probeTimeoutMs);
    if (stopped) return;
    alive ||= answered;
    if (!answered) {
      stopped = true;
      onStalled(new GpuWorkerCallError('stalled', origin, `/healthz did not answer within ${probeTimeoutMs} ms while a call was in flight`));
      return;
    }
    timer = setTimeout(() => void probe(), everyMs);
  };
  timer = setTimeout(() => void probe(), afterMs);
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
    sawAlive: () => alive,
  };
}
