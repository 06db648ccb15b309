"""Static int8 quantisation of BSNet's activations in QDQ form (onnxruntime's format for int8
kernels), from the shipped ONNX file, which already stores its conv weights int8 per output
channel behind DequantizeLinear.

Two steps around a calibration run in onnxruntime-node (models/quantize/calibrate.ts):

  /usr/bin/python3 models/quantize/qdq.py plan    --model models/bsnet-v1.onnx --out DIR
      writes DIR/augmented.onnx (every tensor to quantise also a graph output) and DIR/plan.json
  /usr/bin/python3 models/quantize/qdq.py insert  --model models/bsnet-v1.onnx --ranges RANGES.json --out FILE.onnx [--keep-float N,...]
      writes the model with a QuantizeLinear/DequantizeLinear pair (uint8, asymmetric, per tensor)
      on each planned tensor whose range RANGES.json gives

Which tensors: each Conv's activation input, and each Conv's output (after its Relu when the
Relu is its only consumer, so onnxruntime fuses DQ -> Conv -> Q into QLinearConv and drops the
Relu into the zero point). Everything else (Add, Concat, Resize, Sigmoid, the attention branches)
stays float between a DequantizeLinear and the next QuantizeLinear. `--keep-float` leaves the
named Conv nodes float (input and output), for layers that lose accuracy.
"""
import argparse
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def consumers(graph):
    out = {}
    for node in graph.node:
        for name in node.input:
            out.setdefault(name, []).append(node)
    return out


def plan_tensors(model, keep_float=()):
    """The tensors to quantise, in graph order, each with the Conv nodes it belongs to."""
    graph = model.graph
    used_by = consumers(graph)
    initializers = {i.name for i in graph.initializer}
    constants = {o for n in graph.node if n.op_type in ("Constant", "DequantizeLinear") for o in n.output}
    tensors = {}
    for node in graph.node:
        if node.op_type != "Conv" or node.name in keep_float:
            continue
        x = node.input[0]
        if x not in initializers and x not in constants:
            tensors.setdefault(x, []).append(node.name)
        y = node.output[0]
        after = used_by.get(y, [])
        if len(after) == 1 and after[0].op_type == "Relu":
            y = after[0].output[0]
        tensors.setdefault(y, []).append(node.name)
    return tensors


def cmd_plan(args):
    model = onnx.load(args.model)
    tensors = plan_tensors(model)
    graph = model.graph
    existing = {o.name for o in graph.output}
    for name in tensors:
        if name not in existing:
            graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    os.makedirs(args.out, exist_ok=True)
    onnx.save(model, os.path.join(args.out, "augmented.onnx"))
    with open(os.path.join(args.out, "plan.json"), "w") as f:
        json.dump({"tensors": list(tensors), "convs": tensors}, f, indent=1)
    print(f"{len(tensors)} tensors to calibrate, {sum(1 for n in model.graph.node if n.op_type == 'Conv')} Conv nodes")


def uint8_params(lo, hi):
    """Scale and zero point of uint8 asymmetric quantisation covering [lo, hi] and 0 (zero must be exact)."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = (hi - lo) / 255.0 if hi > lo else 1.0
    zero = int(round(-lo / scale))
    return np.float32(scale), np.uint8(min(max(zero, 0), 255))


def cmd_insert(args):
    model = onnx.load(args.model)
    keep = set(filter(None, (args.keep_float or "").split(",")))
    tensors = plan_tensors(model, keep)
    with open(args.ranges) as f:
        ranges = json.load(f)["ranges"]
    graph = model.graph
    used_by = consumers(graph)
    outputs = {o.name for o in graph.output}
    new_nodes = {}
    inserted = 0
    for name in tensors:
        if name not in ranges:
            continue
        scale, zero = uint8_params(ranges[name]["min"], ranges[name]["max"])
        tag = f"qdq{inserted}"
        graph.initializer.extend([numpy_helper.from_array(np.array(scale, dtype=np.float32), f"{tag}_scale"), numpy_helper.from_array(np.array(zero, dtype=np.uint8), f"{tag}_zero")])
        dq_out = f"{name}_{tag}_dq"
        q = helper.make_node("QuantizeLinear", [name, f"{tag}_scale", f"{tag}_zero"], [f"{name}_{tag}_q"], name=f"{tag}_Q")
        dq = helper.make_node("DequantizeLinear", [f"{name}_{tag}_q", f"{tag}_scale", f"{tag}_zero"], [dq_out], name=f"{tag}_DQ")
        for consumer in used_by.get(name, []):
            for i, inp in enumerate(consumer.input):
                if inp == name:
                    consumer.input[i] = dq_out
        if name in outputs:
            # A graph output keeps its float name: its consumers read the DQ, the caller the float.
            pass
        new_nodes[name] = [q, dq]
        inserted += 1
    # Put each Q/DQ pair right after its tensor's producer, keeping the graph topologically sorted.
    ordered = []
    graph_inputs = {i.name for i in graph.input}
    for name in list(new_nodes):
        if name in graph_inputs:
            ordered.extend(new_nodes.pop(name))
    for node in graph.node:
        ordered.append(node)
        for out in node.output:
            if out in new_nodes:
                ordered.extend(new_nodes.pop(out))
    del graph.node[:]
    graph.node.extend(ordered)
    onnx.checker.check_model(model)
    onnx.save(model, args.out)
    print(f"{inserted} tensors quantised (uint8, per tensor), {len(keep)} Conv nodes kept float -> {args.out}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plan")
    p.add_argument("--model", required=True)
    p.add_argument("--out", required=True)
    i = sub.add_parser("insert")
    i.add_argument("--model", required=True)
    i.add_argument("--ranges", required=True)
    i.add_argument("--out", required=True)
    i.add_argument("--keep-float", default="")
    args = parser.parse_args()
    {"plan": cmd_plan, "insert": cmd_insert}[args.command](args)


if __name__ == "__main__":
    main()
