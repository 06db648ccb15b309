/**
 * The WebAssembly JS API for the Node-side typecheck (root tsconfig): Node has it at runtime, but
 * @types/node 20 does not declare it (TypeScript keeps it in lib.dom). Only what the project uses;
 * the edge's own tsconfig gets the full API from the Workers types.
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
  }
  class Instance {
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
  }
  type Imports = Record<string, Record<string, unknown>>;
  function compile(bytes: ArrayBufferView | ArrayBuffer): Promise<Module>;
  function instantiate(module: Module, imports?: Imports): Promise<Instance>;
}
