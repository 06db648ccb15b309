/**
 * At most one wasm codec instance per isolate, started on first use with the module the runtime
 * provides (codec-wasm.ts). These builds start with a 50 MiB heap each, so two would take most of
 * the isolate's 128 MB: starting one codec drops the other (a study is one syntax, so the one
 * kept is the one needed). A codec that throws or traps may leave its heap in any state, so the
 * instance is dropped and the next frame gets a fresh one: a bad upload costs a re-instantiation
 * (5-9 ms), never a wrong decode of the next caller's frame.
 */
import { DecodeError } from '../../decoded-image.js';
import type { CodecWasm } from './codec-wasm.js';
import type { CodecFrame } from './frame-codec.js';

type WasmName = keyof CodecWasm;

interface Running {
  name: WasmName;
  codec: Promise<EmscriptenCodecModule>;
  /** The instance's linear memory, which grows to the largest frame decoded and never shrinks. */
  memory: WebAssembly.Memory | undefined;
  /** Its size when instantiated. */
  initialBytes: number;
}

const running = new WeakMap<CodecWasm, Running>();

/**
 * An instance whose heap grew by more than this over its start is dropped after the frame (the
 * garbage collector frees it), so one large frame does not keep that memory for the isolate's life.
 */
export const MAX_HEAP_GROWTH_BYTES = 16 * 1024 * 1024;

/** The running codec's name and heap size, for benches and probes. */
export function runningCodecHeap(wasm: CodecWasm): { name: WasmName; bytes: number } | undefined {
  const r = running.get(wasm);
  return r?.memory ? { name: r.name, bytes: r.memory.buffer.byteLength } : undefined;
}

function start(name: WasmName, factory: EmscriptenCodecFactory, wasm: Promise<WebAssembly.Module>): Running {
  const r: Running = { name, codec: Promise.resolve(undefined as never), memory: undefined, initialBytes: 0 };
  r.codec = factory({
    // The module is compiled already; workerd would refuse to compile bytes here anyway.
    instantiateWasm(imports, receive) {
      void wasm
        .then((module) => WebAssembly.instantiate(module, imports))
        .then((instance) => {
          const memory = Object.values(instance.exports).find((e) => e instanceof WebAssembly.Memory) as WebAssembly.Memory | undefined;
          r.memory = memory;
          r.initialBytes = memory?.buffer.byteLength ?? 0;
          receive(instance);
        });
      return {};
    },
    // The codecs print warnings about the codestream; they are the upload's business, not our logs'.
    print: () => {},
    printErr: () => {},
  });
  return r;
}

export interface EmbindDecode {
  /** The decoder class to construct. */
  decoder: (codec: EmscriptenCodecModule) => (new () => EmbindDecoder) | undefined;
  family: string;
}

/**
 * Copies the codestream into the codec, decodes it and copies the samples out (the codec's view
 * of them dies with the decoder). Any failure is a 422 codestream_corrupt naming the codec.
 */
export async function decodeWithEmbind(
  wasm: CodecWasm | undefined,
  name: WasmName,
  factory: EmscriptenCodecFactory,
  spec: EmbindDecode,
  codestream: Uint8Array,
): Promise<CodecFrame & { signed: boolean }> {
  if (!wasm) throw new Error(`decodeDicom was not given the codecs' wasm modules, which ${spec.family} needs`);
  let current = running.get(wasm);
  if (current?.name !== name) running.set(wasm, (current = start(name, factory, wasm[name]())));
  const mine = current;
  const drop = (): void => {
    if (running.get(wasm) === mine) running.delete(wasm);
  };
  const codec = await mine.codec;
  const Decoder = spec.decoder(codec);
  if (!Decoder) throw new Error(`the ${name} codec has no decoder class`);

  let decoder: EmbindDecoder | undefined;
  try {
    decoder = new Decoder();
    decoder.getEncodedBuffer(codestream.length).set(codestream);
    decoder.decode();
    const info = decoder.getFrameInfo();
    const bytes = decoder.getDecodedBuffer().slice();
    const wide = info.bitsPerSample > 8;
    const samples = wide
      ? info.isSigned
        ? new Int16Array(bytes.buffer, 0, bytes.length >> 1)
        : new Uint16Array(bytes.buffer, 0, bytes.length >> 1)
      : bytes;
    return { width: info.width, height: info.height, components: info.componentCount, bitsPerSample: info.bitsPerSample, samples, signed: info.isSigned === true };
  } catch (err) {
    drop();
    throw new DecodeError(422, 'codestream_corrupt', `the ${spec.family} codestream could not be decoded: ${describe(err, codec)}`);
  } finally {
    try {
      decoder?.delete();
    } catch {
      // A trapped instance cannot free; it is dropped above.
    }
    if ((mine.memory?.buffer.byteLength ?? 0) > mine.initialBytes + MAX_HEAP_GROWTH_BYTES) drop();
  }
}

/** embind codecs throw C++ exceptions as bare pointers, whose message these builds do not export. */
function describe(err: unknown, codec: EmscriptenCodecModule): string {
  if (typeof err === 'number') {
    try {
      if (codec.getExceptionMessage) return codec.getExceptionMessage(err).filter(Boolean).join(': ');
    } catch {
      // fall through to the plain statement
    }
    return 'the decoder rejected it';
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
