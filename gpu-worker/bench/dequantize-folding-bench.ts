/**
 * `npm run bench:dequantize -- [--model manifest] [--runs N]`: what folding the int8 weights'
 * DequantizeLinear nodes at load buys. Two backends (ort-backend.ts) of the same file in one
 * process, one with the worker's session options for the manifest's weight storage and one as
 * if the weights were plain fp32 (so without `disable_quant_qdq`), timed interleaved at batch 1
 * so machine noise hits both alike; prints the medians and their ratio.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { OrtBackend } from '../src/inference/ort-backend.js';
import { loadModel } from '../src/model/load-model.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: fileURLToPath(new URL('../../models/bsnet.manifest.json', import.meta.url)) },
    runs: { type: 'string', default: '5' },
  },
});
const { manifest, bytes } = await loadModel(values.model!);
const threads = availableParallelism();
const backend = (weightStorage: typeof manifest.weightStorage) =>
  OrtBackend.create({ modelBytes: bytes, manifest: { ...manifest, weightStorage }, providers: ['cpu'], intraOpThreads: threads, warmupBatchSizes: [1] });
const backends = {
  'worker options': await backend(manifest.weightStorage),
  'QDQ passes kept': await backend('fp32'),
};
const size = manifest.inputSize;
const image = new Uint8Array(size * size).fill(26);
const times: Record<string, number[]> = Object.fromEntries(Object.keys(backends).map((name) => [name, []]));
for (let i = 0; i < Number(values.runs); i++) {
  for (const [name, b] of Object.entries(backends)) {
    const started = performance.now();
    await b.run(image, 1);
    times[name]!.push(performance.now() - started);
  }
}
const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1]!;
console.log(`${manifest.name} ${manifest.version} (weightStorage ${manifest.weightStorage}), batch 1, ${threads} threads, ${values.runs} runs each`);
for (const [name, t] of Object.entries(times)) console.log(`  ${name.padEnd(22)} median ${median(t).toFixed(0)} ms/image`);
console.log(`  QDQ kept / worker options = ${(median(times['QDQ passes kept']!) / median(times['worker options']!)).toFixed(2)}x`);
for (const b of Object.values(backends)) await b.dispose();
