/**
 * Minimal, dependency-free ONNX model writer (test fixture).
 *
 * Why this exists: the service tests need a *real* ONNX model that
 * onnxruntime-node can load and run, with BSNet's input/output contract.
 * Committing an opaque binary blob would hide what the model does, and
 * generating one with the Python `onnx` package would add a toolchain the
 * repo otherwise does not need. Instead, models are described in code and
 * serialised here, at test time, with a tiny protobuf encoder.
 *
 * Only the subset of onnx.proto (proto2, package `onnx`) needed to write a
 * plain inference graph is covered. Field numbers, checked against
 * onnx/onnx.proto:
 *   ModelProto          ir_version=1 producer_name=2 graph=7 opset_import=8
 *   OperatorSetIdProto  domain=1 version=2
 *   GraphProto          node=1 name=2 initializer=5 input=11 output=12
 *   NodeProto           input=1 output=2 name=3 op_type=4 attribute=5
 *   AttributeProto      name=1 f=2 i=3 s=4 floats=7 ints=8 type=20
 *   TensorProto         dims=1 data_type=2 name=8 raw_data=9 (little-endian)
 *   ValueInfoProto      name=1 type=2
 *   TypeProto           tensor_type=1;  TypeProto.Tensor elem_type=1 shape=2
 *   TensorShapeProto    dim=1;  Dimension dim_value=1 dim_param=2
 * Repeated scalars are written unpacked, as proto2 declares them.
 */

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values used here. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

export type Attr =
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'int'; readonly value: number | bigint }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'ints'; readonly value: readonly (number | bigint)[] };

/** Typed attribute constructors: `{ kernel_shape: attr.ints([3, 3]), mode: attr.string('linear') }`. */
export const attr = {
  float: (value: number): Attr => ({ kind: 'float', value }),
  int: (value: number | bigint): Attr => ({ kind: 'int', value }),
  string: (value: string): Attr => ({ kind: 'string', value }),
  floats: (value: readonly number[]): Attr => ({ kind: 'floats', value }),
  ints: (value: readonly (number | bigint)[]): Attr => ({ kind: 'ints', value }),
};

export interface NodeDef {
  readonly opType: string;
  /** Use '' for an omitted optional input (e.g. Resize's `roi`). */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, Attr>>;
  readonly name?: string;
}

export interface TensorDef {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: DataType;
  /** Fixed-width little-endian element bytes. */
  readonly rawData: Uint8Array;
}

export interface ValueInfoDef {
  readonly name: string;
  readonly elemType: DataType;
  /** A number is a fixed dim_value; a string is a symbolic dim_param (e.g. 'batch'). */
  readonly shape: readonly (number | string)[];
}

export interface GraphDef {
  readonly name: string;
  readonly nodes: readonly NodeDef[];
  readonly initializers?: readonly TensorDef[];
  readonly inputs: readonly ValueInfoDef[];
  readonly outputs: readonly ValueInfoDef[];
}

export interface ModelOptions {
  readonly graph: GraphDef;
  /** Default-domain ("ai.onnx") opset version; default 17. */
  readonly opset?: number;
  /** Default 8. */
  readonly irVersion?: number;
  readonly producerName?: string;
}

// ---------------------------------------------------------------- builders

export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attrs: Readonly<Record<string, Attr>> = {},
  name?: string,
): NodeDef {
  return name === undefined ? { opType, inputs, outputs, attrs } : { opType, inputs, outputs, attrs, name };
}

export function tensorFloat(name: string, dims: readonly number[], data: Float32Array): TensorDef {
  checkCount(name, dims, data.length);
  const view = new DataView(new ArrayBuffer(data.length * 4));
  data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return { name, dims, dataType: DataType.FLOAT, rawData: new Uint8Array(view.buffer) };
}

export function tensorInt64(name: string, dims: readonly number[], data: readonly (number | bigint)[]): TensorDef {
  checkCount(name, dims, data.length);
  const view = new DataView(new ArrayBuffer(data.length * 8));
  data.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return { name, dims, dataType: DataType.INT64, rawData: new Uint8Array(view.buffer) };
}

export function valueInfo(name: string, elemType: DataType, shape: readonly (number | string)[]): ValueInfoDef {
  return { name, elemType, shape };
}

/** Serialises a ModelProto. Output is a pure function of the input (byte-stable). */
export function model(opts: ModelOptions): Uint8Array {
  const w = new ProtoWriter();
  w.varint(1, opts.irVersion ?? 8);
  w.string(2, opts.producerName ?? 'bsnet-api-test-fixtures');
  w.message(7, (g) => writeGraph(g, opts.graph));
  w.message(8, (o) => {
    o.string(1, ''); // default ONNX domain
    o.varint(2, opts.opset ?? 17);
  });
  return w.finish();
}

// ---------------------------------------------------------------- encoding

function checkCount(name: string, dims: readonly number[], n: number): void {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (expected !== n) throw new RangeError(`tensor ${name}: dims [${dims.join(',')}] need ${expected} values, got ${n}`);
}

function writeGraph(w: ProtoWriter, g: GraphDef): void {
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n));
  w.string(2, g.name);
  for (const t of g.initializers ?? []) w.message(5, (m) => writeTensor(m, t));
  for (const v of g.inputs) w.message(11, (m) => writeValueInfo(m, v));
  for (const v of g.outputs) w.message(12, (m) => writeValueInfo(m, v));
}

function writeNode(w: ProtoWriter, n: NodeDef): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name !== undefined) w.string(3, n.name);
  w.string(4, n.opType);
  for (const [name, a] of Object.entries(n.attrs)) w.message(5, (m) => writeAttr(m, name, a));
}

function writeAttr(w: ProtoWriter, name: string, a: Attr): void {
  w.string(1, name);
  switch (a.kind) {
    case 'float': w.float(2, a.value); w.varint(20, AttrType.FLOAT); break;
    case 'int': w.varint(3, a.value); w.varint(20, AttrType.INT); break;
    case 'string': w.string(4, a.value); w.varint(20, AttrType.STRING); break;
    case 'floats': for (const v of a.value) w.float(7, v); w.varint(20, AttrType.FLOATS); break;
    case 'ints': for (const v of a.value) w.varint(8, v); w.varint(20, AttrType.INTS); break;
  }
}

function writeTensor(w: ProtoWriter, t: TensorDef): void {
  for (const d of t.dims) w.varint(1, d);
  w.varint(2, t.dataType);
  w.string(8, t.name);
  w.bytes(9, t.rawData);
}

function writeValueInfo(w: ProtoWriter, v: ValueInfoDef): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.varint(1, v.elemType);
      tensor.message(2, (shape) => {
        for (const d of v.shape) {
          shape.message(1, (dim) => (typeof d === 'number' ? dim.varint(1, d) : dim.string(2, d)));
        }
      });
    }),
  );
}

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

/** Append-only protobuf wire-format writer. */
class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  /** int32/int64/enum field. Negative values become 10-byte two's complement, as protobuf requires. */
  varint(field: number, value: number | bigint): void {
    this.tag(field, WIRE_VARINT);
    this.rawVarint(BigInt.asUintN(64, BigInt(value)));
  }

  float(field: number, value: number): void {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
  }

  bytes(field: number, value: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.rawVarint(BigInt(value.length));
    this.push(value);
  }

  string(field: number, value: string): void {
    this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, write: (w: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    write(inner);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const p of this.parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(BigInt((field << 3) | wire));
  }

  private rawVarint(v: bigint): void {
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.push(Uint8Array.from(out));
  }

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }
}
