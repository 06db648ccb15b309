/**
 * The flags of `npm run bench:worker` (its help text, defaults and checks), parsed into the
 * options the benchmark runs with; worker-bench.ts holds the run itself.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH_DIR = join(REPO_ROOT, '.bench');

/** Default requests per concurrency level when --requests is not given. */
export const DEFAULT_REQUESTS: Record<number, number> = { 1: 12, 4: 24, 16: 48 };

const HELP = `Usage: npm run bench:worker -- [options]

Model (default: the reference-shaped BSNet 352x352, exported once to .bench/bsnet-ref.onnx)
  --model <manifest>     benchmark this model manifest instead
  --stand-in             use the tiny code-generated stand-in (smoke run; torch is skipped)
Worker
  --max-batch <n>        worker max batch (default: BSNET_MAX_BATCH or 8)
  --delay-ms <n>         worker max queue delay in ms (default: BSNET_MAX_QUEUE_DELAY_MS or 5)
Load
  --concurrency <list>   comma-separated client counts (default 1,4,16)
  --requests <n>         measured requests per level, at least the concurrency
                         (default 12 at c=1, 24 at c=4, 48 at c=16, else 3 x c)
  --warmup <n>           warm-up requests before each level (default 2)
Baselines
  --bare-images <n>      images timed per batch size in the bare loop (default 8, >= 2 runs)
  --baseline-model <m>   also time the bare loop on this manifest (e.g. the fp32 file when
                         --model is its int8 one) and give the worker's ratio to it
  --no-torch             skip the PyTorch eager comparison
  --torch-iters <n>      timed iterations of bench_torch.py (default 6)
  --python <path>        python with torch and onnx (default /usr/bin/python3)
Output
  --out <path>           JSON summary (default .bench/worker-bench.json)
  -h, --help             this text`;

export interface BenchOptions {
  model?: string;
  standIn: boolean;
  maxBatch?: number;
  delayMs?: number;
  concurrency: number[];
  requests?: number;
  warmup: number;
  bareImages: number;
  baselineModel?: string;
  torch: boolean;
  torchIters: number;
  python: string;
  out: string;
}

/** Parses the command line; prints the help and exits on -h, throws naming a bad flag. */
export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      model: { type: 'string' },
      'stand-in': { type: 'boolean', default: false },
      'max-batch': { type: 'string' },
      'delay-ms': { type: 'string' },
      concurrency: { type: 'string', default: '1,4,16' },
      requests: { type: 'string' },
      warmup: { type: 'string', default: '2' },
      'bare-images': { type: 'string', default: '8' },
      'baseline-model': { type: 'string' },
      'no-torch': { type: 'boolean', default: false },
      'torch-iters': { type: 'string', default: '6' },
      python: { type: 'string', default: '/usr/bin/python3' },
      out: { type: 'string', default: join(BENCH_DIR, 'worker-bench.json') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const int = (name: string, raw: string | undefined, min: number): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got "${raw}"`);
    return n;
  };
  if (values.model && values['stand-in']) throw new Error('--model and --stand-in exclude each other');
  const concurrency = values.concurrency.split(',').map((s) => int('concurrency', s.trim(), 1)!);
  return {
    ...(values.model ? { model: resolve(values.model) } : {}),
    standIn: values['stand-in'],
    maxBatch: int('max-batch', values['max-batch'], 1),
    delayMs: int('delay-ms', values['delay-ms'], 0),
    concurrency: [...new Set(concurrency)],
    requests: int('requests', values.requests, 1),
    warmup: int('warmup', values.warmup, 0)!,
    bareImages: int('bare-images', values['bare-images'], 1)!,
    ...(values['baseline-model'] ? { baselineModel: resolve(values['baseline-model']) } : {}),
    torch: !values['no-torch'],
    torchIters: int('torch-iters', values['torch-iters'], 1)!,
    python: values.python,
    out: resolve(values.out),
  };
}
