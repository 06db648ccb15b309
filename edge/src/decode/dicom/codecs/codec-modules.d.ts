/**
 * Types for the codec packages, which ship none: the emscripten factories (embind classes that
 * take a codestream into wasm memory, decode it and hand back a view of the samples). Their
 * `.wasm` imports are typed by wrangler (edge/worker-configuration.d.ts, from wrangler.toml's rules).
 */
interface EmbindFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

interface EmbindDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): EmbindFrameInfo;
  getDecodedBuffer(): Uint8Array;
  delete(): void;
}

interface EmscriptenCodecModule {
  JpegLSDecoder?: new () => EmbindDecoder & { getInterleaveMode(): number; getNearLossless(): number };
  J2KDecoder?: new () => EmbindDecoder;
  HTJ2KDecoder?: new () => EmbindDecoder & { readHeader?(): void };
  getExceptionMessage?(pointer: number): [string, string];
}

type EmscriptenCodecFactory = (moduleArg: {
  instantiateWasm(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance) => void): object;
  print?(text: string): void;
  printErr?(text: string): void;
}) => Promise<EmscriptenCodecModule>;

declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  const factory: EmscriptenCodecFactory;
  export default factory;
}
declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  const factory: EmscriptenCodecFactory;
  export default factory;
}
declare module '@cornerstonejs/codec-openjph/wasmjs' {
  const factory: EmscriptenCodecFactory;
  export default factory;
}

/** jpeg-lossless-decoder-js 2.1 names `release/lossless.d.ts` as its types but does not ship it. */
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    constructor(buffer?: ArrayBuffer | null, numBytes?: number);
    frame: { precision: number; dimX: number; dimY: number; numComp: number };
    numComp: number;
    decode(buffer?: ArrayBuffer, offset?: number, length?: number, numBytes?: number): Uint8Array | Uint16Array;
  }
}
