"""int8 storage of convolution weights, dequantised inside the graph at load time.

The fp32 ONNX file is ~176 MB; the product ships under 60 MB. Activations stay fp32: only how
the weights are *stored* changes. Each conv weight becomes int8 values with one fp32 scale per
output channel (symmetric, zero point 0) feeding a DequantizeLinear node (opset 13, axis 0).

Exactness: the same per-channel fake quantisation is applied to the PyTorch model first
(`fake_quantize_conv_weights_`). The exporter then folds BatchNorm into the convs, which
multiplies each output channel by a constant, so the folded weights are still exactly
`int8 * per-channel scale` and `quantize_onnx_conv_weights` finds the same integers. The shipped
ONNX file therefore computes the fake-quantised PyTorch model, which is what the parity test
compares against; how much quantisation itself costs is measured separately (Dice, fp32 vs int8).
"""

from typing import Dict, Tuple

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper
from torch import nn

QMAX = 127


def _per_channel_scale(w: np.ndarray) -> np.ndarray:
    flat = np.abs(w.reshape(w.shape[0], -1)).max(axis=1)
    return np.where(flat > 0, flat / QMAX, 1.0).astype(np.float32)


@torch.no_grad()
def quantize_per_channel(w: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """(q, scale): w ~ q * scale, q integer-valued in [-127, 127] (still w's dtype), one scale per
    output channel (dim 0), broadcastable against w. The one rounding the shipped file and the
    compact checkpoint share."""
    scale = w.abs().flatten(1).amax(dim=1).clamp_min(1e-30) / QMAX
    scale = scale.view(-1, *([1] * (w.dim() - 1)))
    return torch.clamp(torch.round(w / scale), -QMAX, QMAX), scale


@torch.no_grad()
def fake_quantize_conv_weights_(model: nn.Module) -> int:
    """Rounds every Conv2d weight in place to int8 * per-output-channel scale; returns the count."""
    count = 0
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            q, scale = quantize_per_channel(module.weight)
            module.weight.copy_(q * scale)
            count += 1
    return count


def _conv_weight_names(graph: onnx.GraphProto) -> Dict[str, str]:
    return {node.input[1]: node.name for node in graph.node if node.op_type == "Conv" and len(node.input) > 1}


def quantize_onnx_conv_weights(model: onnx.ModelProto) -> Tuple[onnx.ModelProto, dict]:
    """Replaces fp32 conv weight initializers by int8 + scale + DequantizeLinear. Returns stats."""
    graph = model.graph
    targets = _conv_weight_names(graph)
    kept, dq_nodes = [], []
    stats = {"convs": 0, "int8_bytes": 0, "fp32_bytes_replaced": 0, "max_abs_rounding_error": 0.0}
    for init in graph.initializer:
        if init.name not in targets or init.data_type != onnx.TensorProto.FLOAT:
            kept.append(init)
            continue
        w = numpy_helper.to_array(init).astype(np.float32)
        scale = _per_channel_scale(w)
        q = np.clip(np.round(w / scale.reshape(-1, *([1] * (w.ndim - 1)))), -QMAX, QMAX).astype(np.int8)
        error = np.abs(q.astype(np.float32) * scale.reshape(-1, *([1] * (w.ndim - 1))) - w).max()
        stats["max_abs_rounding_error"] = max(stats["max_abs_rounding_error"], float(error))
        stats["convs"] += 1
        stats["int8_bytes"] += q.nbytes
        stats["fp32_bytes_replaced"] += w.nbytes
        kept += [
            numpy_helper.from_array(q, init.name + "_int8"),
            numpy_helper.from_array(scale, init.name + "_scale"),
            numpy_helper.from_array(np.zeros(w.shape[0], dtype=np.int8), init.name + "_zero_point"),
        ]
        dq_nodes.append(helper.make_node(
            "DequantizeLinear", [init.name + "_int8", init.name + "_scale", init.name + "_zero_point"],
            [init.name], name=init.name + "_dequantize", axis=0))
    del graph.initializer[:]
    graph.initializer.extend(kept)
    # Dequantise nodes first: the graph must stay topologically sorted.
    nodes = dq_nodes + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    if not any(o.domain in ("", "ai.onnx") and o.version >= 13 for o in model.opset_import):
        raise ValueError("per-channel DequantizeLinear needs opset >= 13")
    onnx.checker.check_model(model)
    return model, stats
