/**
 * The codecs' wasm for the edge (workerd): imported as compiled modules, the only way a Worker may
 * run wasm (wrangler.toml's [[rules]] marks these import paths CompiledWasm).
 */
import charls from '@cornerstonejs/codec-charls/decodewasm';
import openjpeg from '@cornerstonejs/codec-openjpeg/decodewasm';
import openjph from '@cornerstonejs/codec-openjph/wasm';
import type { CodecWasm } from './codec-wasm.js';

export const workerdCodecWasm: CodecWasm = {
  charls: async () => charls,
  openjpeg: async () => openjpeg,
  openjph: async () => openjph,
};
