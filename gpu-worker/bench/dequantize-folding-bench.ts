/**
 * `npm run bench:dequantize -- [--model manifest] [--runs N]`: what folding the int8 weights'
 * DequantizeLinear nodes at load buys. Two sessions of the same file in one process, one with the
 * worker's options (session-options.ts) and one with onnxruntime's defaults, timed interleaved
 * at batch 1 so machine noise hits both alike; prints the medians and their ratio.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { ModelManifest } from '../../shared/model-manifest.js';
import { sessionOptions } from '../src/inference/session-options.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: fileURLToPath(new URL('../../models/bsnet.manifest.json', import.meta.url)) },
    runs: { type: 'string', default: '5' },
  },
});
const manifest = ModelManifest.parse(JSON.parse(await readFile(values.model!, 'utf8')));
const bytes = await readFile(resolve(dirname(values.model!), manifest.file));
const threads = availableParallelism();
const sessions = {
  'worker options': await ort.InferenceSession.create(bytes, sessionOptions(manifest.weightStorage, 'cpu', threads)),
  'onnxruntime defaults': await ort.InferenceSession.create(bytes, sessionOptions('fp32', 'cpu', threads)),
};
const size = manifest.inputSize;
const image = new ort.Tensor('float32', new Float32Array(3 * size * size).fill(0.1), [1, 3, size, size]);
const times: Record<string, number[]> = {};
for (const [name, s] of Object.entries(sessions)) {
  await s.run({ [manifest.inputName]: image }, [manifest.probabilityOutput]);
  times[name] = [];
}
for (let i = 0; i < Number(values.runs); i++) {
  for (const [name, s] of Object.entries(sessions)) {
    const started = performance.now();
    await s.run({ [manifest.inputName]: image }, [manifest.probabilityOutput]);
    times[name]!.push(performance.now() - started);
  }
}
const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1]!;
console.log(`${manifest.name} ${manifest.version} (weightStorage ${manifest.weightStorage}), batch 1, ${threads} threads, ${values.runs} runs each`);
for (const [name, t] of Object.entries(times)) console.log(`  ${name.padEnd(22)} median ${median(t).toFixed(0)} ms/image`);
console.log(`  defaults / worker options = ${(median(times['onnxruntime defaults']!) / median(times['worker options']!)).toFixed(2)}x`);
for (const s of Object.values(sessions)) await s.release();
