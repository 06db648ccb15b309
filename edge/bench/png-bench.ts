/**
 * Benchmark: the edge's PNG decode (decodePng: bounded pako inflate, our unfiltering) against
 * upng-js (the decoder it replaced, whose inflate has no output limit) on a 4000x4000 8-bit gray
 * PNG with every filter type, built here with node:zlib. Prints the median of N runs and the ratio.
 *
 *   npm run bench:png -- [--runs N]
 */
import { parseArgs } from 'node:util';
import UPNG from 'upng-js';
import { encodeGrayPng } from '../src/imaging/encode-png.js';
import { decodePng } from '../src/decode/png.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`--runs must be a positive integer, got ${values.runs}`);

const size = 4000;
const data = new Uint8Array(size * size);
let seed = 1;
for (let y = 0; y < size; y++) {
  for (let x = 0; x < size; x++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    // Smooth structure plus a little noise, like a CT slice upscaled.
    data[y * size + x] = (128 + 100 * Math.sin(x / 97) * Math.cos(y / 131) + (seed >>> 29)) & 255;
  }
}
const png = await encodeGrayPng({ width: size, height: size, data });

async function median(f: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[runs >> 1]!;
}

await decodePng(png); // warm both paths
UPNG.decode(png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength) as ArrayBuffer);
const ours = await median(() => decodePng(png));
const upng = await median(() => UPNG.decode(png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength) as ArrayBuffer));
console.log(`PNG ${size}x${size} 8-bit gray, ${(png.length / 1e6).toFixed(1)} MB, median of ${runs}:`);
console.log(`  decodePng (bounded)  ${ours.toFixed(0)} ms`);
console.log(`  upng-js (baseline)   ${upng.toFixed(0)} ms`);
console.log(`  ratio upng / ours    ${(upng / ours).toFixed(2)}x`);
