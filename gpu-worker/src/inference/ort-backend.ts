/**
 * All of the GPU worker's onnxruntime use: which execution providers a requested name means,
 * the session options the worker runs every model with, creating and warming a session, one
 * batched run (8-bit gray slices in, probabilities out) and releasing it. The session threads,
 * the benchmark's bare loop and the parity test all go through here, so they run the same thing.
 */
import * as ort from 'onnxruntime-node';
import type { ModelManifest } from '../../../shared/model-manifest.js';
import { EXECUTION_PROVIDERS, type ExecutionProvider, type ProviderAttempt } from '../../../shared/worker-readiness.js';
import { grayToNormalizedNchw, normalizationTables, probabilityToByte } from './normalize.js';

/**
 * What each provider name hands onnxruntime. Our names are onnxruntime-node's own and every
 * provider runs on its defaults today; per-provider options (a CUDA device id, a WebGPU
 * layout) belong here and nowhere else.
 */
const PROVIDER_CONFIG = {
  cuda: { name: 'cuda' },
  webgpu: { name: 'webgpu' },
  cpu: { name: 'cpu' },
} as const satisfies Record<ExecutionProvider, ort.InferenceSession.ExecutionProviderConfig>;

/**
 * Which providers to try, in order. `auto` prefers the fastest hardware the machine has; a named
 * provider is a requirement: if it fails the session fails, and the GPU worker never reports
 * ready (no silent CPU fallback when a GPU was demanded).
 */
export function providerCandidates(requested: 'auto' | ExecutionProvider): ExecutionProvider[] {
  return requested === 'auto' ? [...EXECUTION_PROVIDERS] : [requested];
}

/** The manifest facts a session needs (a whole ModelManifest will do). */
export type BackendManifest = Pick<ModelManifest, 'inputName' | 'probabilityOutput' | 'inputSize' | 'normalization' | 'weightStorage'> & Partial<Pick<ModelManifest, 'activations'>>;

export interface OrtBackendOptions {
  /** The ONNX file's bytes, already sha256-verified by loadModel. */
  modelBytes: Uint8Array;
  manifest: BackendManifest;
  /** Tried in order; the first that loads and runs the warm-up wins. */
  providers: readonly ExecutionProvider[];
  /** onnxruntime intra-op threads for this session. */
  intraOpThreads: number;
  /** Batch sizes run once before create() resolves, so the first caller does not pay warm-up. */
  warmupBatchSizes?: readonly number[];
}

/** No provider could load the model and run its warm-up; `attempts` says why for each. */
export class SessionInitError extends Error {
  override name = 'SessionInitError';
  constructor(readonly attempts: ProviderAttempt[]) {
    super(`no execution provider could run the model: ${attempts.map((a) => `${a.provider}: ${a.error ?? 'ok'}`).join('; ')}`);
  }
}

/** The session options of every session the worker runs, for one model and provider. */
function sessionOptions(manifest: BackendManifest, provider: ExecutionProvider, intraOpThreads: number): ort.InferenceSession.SessionOptions {
  // An int8-qdq file needs the QDQ passes: they turn DQ -> Conv -> Q into int8 QLinearConv.
  const foldWeights = manifest.weightStorage === 'int8-dequantize-at-load' && (manifest.activations ?? 'fp32') === 'fp32';
  return {
    executionProviders: [PROVIDER_CONFIG[provider]],
    intraOpNumThreads: intraOpThreads,
    // One op at a time with all cores inside it: the network is a chain of big convolutions.
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // onnxruntime keeps DequantizeLinear nodes unfolded to preserve QDQ graphs, so int8-stored
    // weights would be dequantised on every run and block the NCHWc conv layout. These weights
    // are constants: disabling the QDQ passes lets constant folding turn them into fp32 at load
    // (measured 1.18x faster per image on the shipped file).
    ...(foldWeights ? { extra: { session: { disable_quant_qdq: '1' } } } : {}),
  };
}

const isPositiveInt = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0;

function checkOptions(o: OrtBackendOptions): void {
  if (!(o.modelBytes instanceof Uint8Array) || o.modelBytes.length === 0) throw new TypeError('modelBytes must be a non-empty Uint8Array');
  if (!isPositiveInt(o.manifest.inputSize)) throw new RangeError(`manifest.inputSize must be a positive integer, got ${o.manifest.inputSize}`);
  if (o.providers.length === 0) throw new RangeError('providers must name at least one execution provider');
  o.providers.forEach((p, i) => {
    if (!EXECUTION_PROVIDERS.includes(p)) throw new RangeError(`providers[${i}] is "${p}"; expected one of ${EXECUTION_PROVIDERS.join(', ')}`);
  });
  if (!isPositiveInt(o.intraOpThreads)) throw new RangeError(`intraOpThreads must be a positive integer, got ${o.intraOpThreads}`);
  (o.warmupBatchSizes ?? []).forEach((n, i) => {
    if (!isPositiveInt(n)) throw new RangeError(`warmupBatchSizes[${i}] must be a positive integer, got ${n}`);
  });
}

/**
 * One long-lived onnxruntime session and the per-batch work around it.
 *
 * @example
 * const backend = await OrtBackend.create({ modelBytes, manifest, providers: providerCandidates('auto'), intraOpThreads: 4, warmupBatchSizes: [1] });
 * const probabilities = await backend.run(gray, 2); // 2 x 352 x 352 bytes, p * 255
 * await backend.dispose();
 */
export class OrtBackend {
  private readonly pixels: number;
  /** From normalizationTables: built once per session, not per batch. */
  private readonly tables: Float32Array[];
  private disposed = false;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly manifest: BackendManifest,
    /** The provider really in use. */
    readonly provider: ExecutionProvider,
    /** Every provider tried, in order, the last one being `provider`. */
    readonly attempts: ProviderAttempt[],
  ) {
    this.pixels = manifest.inputSize * manifest.inputSize;
    this.tables = normalizationTables(manifest.normalization);
  }

  /**
   * Creates the session on the first provider that loads the model and runs the warm-up.
   * Throws TypeError/RangeError naming a bad option, or SessionInitError when no provider works.
   */
  static async create(options: OrtBackendOptions): Promise<OrtBackend> {
    checkOptions(options);
    const { modelBytes, manifest, intraOpThreads } = options;
    const attempts: ProviderAttempt[] = [];
    for (const provider of options.providers) {
      let backend: OrtBackend | undefined;
      try {
        const session = await ort.InferenceSession.create(modelBytes, sessionOptions(manifest, provider, intraOpThreads));
        backend = new OrtBackend(session, manifest, provider, attempts);
        // A provider can load and still fail at the first run (missing kernels, no adapter):
        // warm up before claiming it, so /readyz only reports a provider that has computed.
        for (const n of options.warmupBatchSizes ?? []) await backend.run(new Uint8Array(n * backend.pixels), n);
        attempts.push({ provider, ok: true });
        return backend;
      } catch (err) {
        attempts.push({ provider, ok: false, error: (err as Error).message.slice(0, 500) });
        await backend?.dispose().catch(() => undefined);
      }
    }
    throw new SessionInitError(attempts);
  }

  /**
   * Runs `count` gray slices (count x inputSize x inputSize bytes, back to back) and returns the
   * model's probabilities as floats, same layout. Only the probability output is fetched: the
   * edge map is for training, not the product.
   */
  async probabilities(gray: Uint8Array, count: number): Promise<Float32Array> {
    if (this.disposed) throw new Error('the backend was disposed');
    if (!isPositiveInt(count)) throw new RangeError(`count must be a positive integer, got ${count}`);
    if (!(gray instanceof Uint8Array) || gray.length !== count * this.pixels) {
      throw new RangeError(`gray must hold ${count} x ${this.manifest.inputSize} x ${this.manifest.inputSize} = ${count * this.pixels} bytes, got ${gray?.length}`);
    }
    const size = this.manifest.inputSize;
    const input = new Float32Array(count * 3 * this.pixels);
    grayToNormalizedNchw(gray, count, this.pixels, this.tables, input);
    const feed = new ort.Tensor('float32', input, [count, 3, size, size]);
    try {
      const results = await this.session.run({ [this.manifest.inputName]: feed }, [this.manifest.probabilityOutput]);
      const prob = results[this.manifest.probabilityOutput]!;
      const data = prob.data as Float32Array;
      prob.dispose();
      return data;
    } finally {
      feed.dispose();
    }
  }

  /** As {@link probabilities}, but 8-bit (p * 255, rounded): what the GPU worker answers with. */
  async run(gray: Uint8Array, count: number): Promise<Uint8Array> {
    const prob = await this.probabilities(gray, count);
    const out = new Uint8Array(prob.length);
    probabilityToByte(prob, out);
    return out;
  }

  /** Releases the session; the backend cannot run afterwards. Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
