/**
 * One instance per wasm codec per isolate, started on first use with the module the runtime
 * provides (codec-wasm.ts). A codec that throws or traps may leave its heap in any state, so the
 * instance is dropped and the next frame gets a fresh one: a bad upload costs a re-instantiation
 * (a few ms), never a wrong decode of the next caller's frame.
 */
import { DecodeError } from '../../decoded-image.js';
import type { CodecWasm } from './codec-wasm.js';
import type { CodecFrame } from './frame-codec.js';

type WasmName = keyof CodecWasm;

interface Running {
  codec: Promise<EmscriptenCodecModule>;
  /** The instance's linear memory, which grows to the largest frame decoded and never shrinks. */
  memory: WebAssembly.Memory | undefined;
}

const instances = new WeakMap<CodecWasm, Map<WasmName, Running>>();

/**
 * An instance whose heap grew past this after a frame is dropped (the garbage collector frees it),
 * so one large frame does not keep tens of MB of the isolate's 128 MB for the isolate's life.
 */
export const MAX_KEPT_HEAP_BYTES = 32 * 1024 * 1024;

function start(factory: EmscriptenCodecFactory, wasm: Promise<WebAssembly.Module>): Running {
  const running: Running = { codec: Promise.resolve(undefined as never), memory: undefined };
  running.codec = factory({
    // The module is compiled already; workerd would refuse to compile bytes here anyway.
    instantiateWasm(imports, receive) {
      void wasm
        .then((module) => WebAssembly.instantiate(module, imports))
        .then((instance) => {
          const memory = Object.values(instance.exports).find((e) => e instanceof WebAssembly.Memory);
          running.memory = memory as WebAssembly.Memory | undefined;
          receive(instance);
        });
      return {};
    },
    // The codecs print warnings about the codestream; they are the upload's business, not our logs'.
    print: () => {},
    printErr: () => {},
  });
  return running;
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
  let byName = instances.get(wasm);
  if (!byName) instances.set(wasm, (byName = new Map()));
  let running = byName.get(name);
  if (!running) byName.set(name, (running = start(factory, wasm[name]())));
  const codec = await running.codec;
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
    byName.delete(name);
    throw new DecodeError(422, 'codestream_corrupt', `the ${spec.family} codestream could not be decoded: ${describe(err, codec)}`);
  } finally {
    try {
      decoder?.delete();
    } catch {
      // A trapped instance cannot free; it is dropped above.
    }
    if ((running.memory?.buffer.byteLength ?? 0) > MAX_KEPT_HEAP_BYTES && byName.get(name) === running) byName.delete(name);
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
