/**
 * `npm run evaluate -- --images <dir> --masks <dir> [...]`: scores a model on a labelled set
 * with Inf-Net's protocol and prints the table papers report. Only argument parsing and output
 * live here; the work is in evaluate-model.ts so tests reach it without a process.
 * Exit codes: 0 done, 1 the evaluation failed, 2 bad arguments.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { recordScores } from './record-scores.js';
import { EXECUTION_PROVIDERS, type ExecutionProvider } from '../../shared/worker-readiness.js';
import { evaluateModel, type EvaluationResult } from './evaluate-model.js';
import { evaluateVariants } from './robustness/evaluate-variants.js';

const DEFAULT_MODEL = fileURLToPath(new URL('../bsnet.manifest.json', import.meta.url));
const PROVIDERS = ['auto', ...EXECUTION_PROVIDERS] as const;

const USAGE = `usage: npm run evaluate -- --images <dir> --masks <dir> [options]

  --images <dir>        slice images (.jpg, .jpeg, .png)
  --masks <dir>         masks, one .png per image name (foreground > 128)
  --model <file>        model manifest (default: models/bsnet.manifest.json)
  --json <file>         also write the scores and per-image results as JSON
  --overlays <dir>      write one overlay PNG per slice (prediction red, ground-truth outline green)
  --side-by-side        overlays show the plain slice beside the overlay
  --provider <name>     ${PROVIDERS.join(' | ')} (default: cpu)
  --batch <n>           slices per inference call (default: 8)
  --limit <n>           only the first n slices, in name order
  --names <file>        only the slices named in this file, one stem per line (e.g. models/splits/covid-semiseg-val.txt)
  --restrict-to-lung    cut each map to the slice's lung mask before scoring (the edge's RESTRICT_TO_LUNG)
  --variants            score each robustness variant (CT DICOM in HU stored as scanners do, phone
                        photos of a screen: models/evaluate/robustness/) through the product's own
                        decode and preprocessing, beside the clean upload
  --only <prefix>       with --variants: only the variants whose names start with this (repeat it
                        for more; names hold commas); the clean upload is always scored
  --record <key>        store the scores in the model's manifest under scores.<key>`;

class UsageError extends Error {}

interface CliArgs {
  images: string;
  masks: string;
  model: string;
  json?: string;
  overlays?: string;
  sideBySide: boolean;
  provider: 'auto' | ExecutionProvider;
  batch: number;
  limit?: number;
  record?: string;
  names?: string;
  restrictToLung: boolean;
  variants: boolean;
  only?: string[];
}

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

function parseCliArgs(argv: string[]): CliArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        images: { type: 'string' },
        masks: { type: 'string' },
        model: { type: 'string' },
        json: { type: 'string' },
        overlays: { type: 'string' },
        'side-by-side': { type: 'boolean', default: false },
        provider: { type: 'string', default: 'cpu' },
        batch: { type: 'string' },
        limit: { type: 'string' },
        record: { type: 'string' },
        names: { type: 'string' },
        'restrict-to-lung': { type: 'boolean', default: false },
        variants: { type: 'boolean', default: false },
        only: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    // parseArgs names the offending option in its message, e.g. "Unknown option '--mask'".
    throw new UsageError((err as Error).message);
  }
  if (values.help) throw new UsageError('');
  if (values.only !== undefined && !values.variants) throw new UsageError('--only needs --variants');
  const only = values.only?.filter((s) => s.trim() !== '');
  if (values.only !== undefined && !only?.length) throw new UsageError('--only: no variant prefix given');
  if (!values.images) throw new UsageError('--images is required');
  if (!values.masks) throw new UsageError('--masks is required');
  const provider = values.provider as (typeof PROVIDERS)[number];
  if (!PROVIDERS.includes(provider)) throw new UsageError(`--provider must be one of ${PROVIDERS.join(', ')}, got "${values.provider}"`);
  const batch = positiveInt('batch', values.batch) ?? 8;
  const limit = positiveInt('limit', values.limit);
  const model = values.model ?? DEFAULT_MODEL;
  if (!values.model && !existsSync(model)) {
    throw new UsageError(`--model: no model at the default ${relative(process.cwd(), model)} (a checkout without the model file); pass --model <manifest.json>`);
  }
  return {
    images: values.images,
    masks: values.masks,
    model,
    json: values.json,
    overlays: values.overlays,
    sideBySide: values['side-by-side'],
    provider,
    batch,
    limit,
    record: values.record,
    names: values.names,
    restrictToLung: values['restrict-to-lung'],
    variants: values.variants,
    ...(only ? { only } : {}),
  };
}

function formatTable(r: EvaluationResult): string {
  const s = r.scores;
  const rows: [string, number][] = [
    ['mean Dice', s.meanDice],
    ['mean Sensitivity', s.meanSensitivity],
    ['mean Specificity', s.meanSpecificity],
    ['S-measure', s.sMeasure],
    ['mean E-measure', s.meanEMeasure],
    ['MAE', s.mae],
  ];
  return [
    `model     ${r.model.name} ${r.model.version} (${r.provider})`,
    `slices    ${r.count} in ${r.seconds.toFixed(1)} s`,
    ...(r.lungFound !== undefined ? [`lung cut  ${r.lungFound} of ${r.count} slices (two lungs found)`] : []),
    '',
    ...rows.map(([name, v]) => `${name.padEnd(18)}${v.toFixed(3)}`),
  ].join('\n');
}

/** --variants: every robustness variant's scores beside the clean upload's, one table. */
async function variantsTable(args: CliArgs): Promise<number> {
  const started = performance.now();
  const r = await evaluateVariants({
    manifestPath: args.model,
    images: args.images,
    masks: args.masks,
    limit: args.limit,
    names: args.names ? await readNames(args.names) : undefined,
    ...(args.only ? { only: args.only } : {}),
    onProgress: (variant, done, total) => process.stderr.write(process.stderr.isTTY ? `\r${variant}: ${done}/${total}${done === total ? '\n' : ''}` : done === total ? `${variant}: ${total}\n` : ''),
  });
  const clean = r.scores.find((s) => s.family === 'clean');
  const width = Math.max(...r.scores.map((s) => s.name.length));
  console.log(`model     ${r.model.name} ${r.model.version} (cpu), ${r.scores[0]?.count ?? 0} slices, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.log(`\n${'variant'.padEnd(width)}  family  mean Dice  vs clean  Dice@0.5  vs clean  Specificity`);
  for (const s of r.scores) {
    const d = (v: number, c: number | undefined) => (c === undefined || s === clean ? '' : `${v - c >= 0 ? '+' : ''}${(v - c).toFixed(3)}`);
    console.log(`${s.name.padEnd(width)}  ${s.family.padEnd(6)}  ${s.meanDice.toFixed(3).padStart(9)}  ${d(s.meanDice, clean?.meanDice).padStart(8)}  ${s.dice05.toFixed(3).padStart(8)}  ${d(s.dice05, clean?.dice05).padStart(8)}  ${s.meanSpecificity.toFixed(3).padStart(11)}`);
  }
  if (args.json) {
    const out = resolve(args.json);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, JSON.stringify({ ...r, images: resolve(args.images), masks: resolve(args.masks) }, null, 2) + '\n');
    console.log(`\nwrote ${out}`);
  }
  return 0;
}

async function main(): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (!err.message) {
      console.log(USAGE); // --help
      return 0;
    }
    console.error(`error: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (args.variants) return variantsTable(args);
  try {
    const result = await evaluateModel({
      manifestPath: args.model,
      images: args.images,
      masks: args.masks,
      batch: args.batch,
      limit: args.limit,
      names: args.names ? await readNames(args.names) : undefined,
      provider: args.provider,
      overlaysDir: args.overlays,
      sideBySide: args.sideBySide,
      restrictToLung: args.restrictToLung,
      // Rewrite one line on a terminal; a log file gets one line per batch.
      onProgress: (done, total) =>
        process.stderr.write(process.stderr.isTTY ? `\rscored ${done}/${total}${done === total ? '\n' : ''}` : `scored ${done}/${total}\n`),
    });
    console.log(formatTable(result));
    if (args.json) {
      const out = resolve(args.json);
      await mkdir(dirname(out), { recursive: true });
      const { scores, perImage, ...about } = result;
      // The six scores sit at the top level so other tools can read them without knowing our shape.
      const json = { ...scores, ...about, images: resolve(args.images), masks: resolve(args.masks), perImage };
      await writeFile(out, JSON.stringify(json, null, 2) + '\n');
      console.log(`\nwrote ${out}`);
    }
    if (args.overlays) console.log(`overlays in ${resolve(args.overlays)}`);
    if (args.record) {
      await recordScores(args.model, args.record, result, args.images);
      console.log(`recorded as scores.${args.record} in ${args.model}`);
    }
    return 0;
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    return 1;
  }
}

async function readNames(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8')).split('\n').map((s) => s.trim()).filter(Boolean);
}

process.exitCode = await main();
