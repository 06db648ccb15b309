/**
 * The codecs' wasm for Node (tests, benches): the same files the edge bundles, compiled from disk
 * once per process.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { CodecWasm } from './codec-wasm.js';

const require = createRequire(import.meta.url);
const compiled = new Map<string, Promise<WebAssembly.Module>>();

function compile(specifier: string): Promise<WebAssembly.Module> {
  let module = compiled.get(specifier);
  if (!module) {
    module = readFile(require.resolve(specifier)).then((bytes) => WebAssembly.compile(bytes));
    compiled.set(specifier, module);
  }
  return module;
}

export const nodeCodecWasm: CodecWasm = {
  charls: () => compile('@cornerstonejs/codec-charls/decodewasm'),
  openjpeg: () => compile('@cornerstonejs/codec-openjpeg/decodewasm'),
  openjph: () => compile('@cornerstonejs/codec-openjph/wasm'),
};
