/**
 * Where the wasm codecs' compiled modules come from, which differs by runtime: workerd refuses to
 * compile wasm from bytes, so the edge imports each `.wasm` as a module (codec-wasm.workerd.ts);
 * Node (tests, benches) compiles the same files from disk
 * (codec-wasm.node.ts). Each is asked for at most once per codec and kept.
 */
export interface CodecWasm {
  /** CharLS 2 (JPEG-LS), @cornerstonejs/codec-charls decoder build. */
  charls(): Promise<WebAssembly.Module>;
  /** OpenJPEG 2.5 (JPEG 2000), @cornerstonejs/codec-openjpeg decoder build. */
  openjpeg(): Promise<WebAssembly.Module>;
  /** OpenJPH (HTJ2K), @cornerstonejs/codec-openjph. */
  openjph(): Promise<WebAssembly.Module>;
}
