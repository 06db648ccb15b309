"""Rebuild trainable PyTorch weights from a shipped ONNX file (int8 or fp32 weights).

Why: training checkpoints are not kept in git (185 MB), so a later session that wants to go on
training the shipped model has only the ONNX file. That file holds each conv with its BatchNorm
folded in (W_fold = W * gamma / sqrt(var + eps), B_fold = beta - mean * gamma / sqrt(var + eps));
the original W, gamma, beta and running statistics cannot be separated again.

What we rebuild instead is a network that computes *exactly* the shipped function in eval mode
and trains like the original in train mode:

- convs are paired with the ONNX Conv nodes by call order (the exporter traces modules in the
  order forward() calls them), checked by weight shape;
- each conv that feeds a BatchNorm gets the folded weight standardised per output channel by the
  activation statistics measured on calibration images (mean mu, std sigma of W_fold * x), and
  its BatchNorm gets running mean/var of that standardised output and gamma/beta chosen so that
  eval-mode BN(W' x) = W_fold x + B_fold to float rounding;
- in train mode BN normalises by batch statistics; because its running statistics are the
  calibration statistics, a batch that looks like the calibration data passes through almost
  unchanged, so training resumes from the shipped function instead of from a shifted one.

Standardising (unit-variance conv outputs) also gives Adam's fixed step a sensible scale: the raw
folded weights differ by orders of magnitude between layers.
"""

from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple, Union

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

# A channel whose calibrated output never varies (dead channel) keeps its scale: dividing by a
# near-zero std would blow its weights up for nothing.
MIN_CALIBRATION_VAR = 1e-10


def onnx_conv_params(model: Union[str, Path, onnx.ModelProto]
                     ) -> List[Tuple[str, np.ndarray, Optional[np.ndarray]]]:
    """(node name, weight, bias or None) of every Conv node, in graph order, with int8 weights
    stored behind DequantizeLinear turned back into the float32 values the graph computes with."""
    if not isinstance(model, onnx.ModelProto):
        model = onnx.load(str(model))
    graph = model.graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    dequantized = {}
    for node in graph.node:
        if node.op_type != "DequantizeLinear":
            continue
        q, scale = inits[node.input[0]], inits[node.input[1]]
        zero = inits[node.input[2]] if len(node.input) > 2 else np.zeros_like(scale)
        axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
        shape = [1] * q.ndim
        shape[axis] = -1
        w = (q.astype(np.float32) - zero.astype(np.float32).reshape(shape)) * scale.reshape(shape)
        dequantized[node.output[0]] = w.astype(np.float32)
    values = {**inits, **dequantized}
    out = []
    for node in graph.node:
        if node.op_type != "Conv":
            continue
        if node.input[1] not in values:
            raise ValueError(f"Conv node {node.name}: weight {node.input[1]!r} is not a constant")
        bias = values[node.input[2]] if len(node.input) > 2 and node.input[2] else None
        out.append((node.name, values[node.input[1]].astype(np.float32),
                    None if bias is None else bias.astype(np.float32)))
    return out


def trace_conv_bn_pairs(model: nn.Module, example: torch.Tensor
                        ) -> Tuple[List[nn.Conv2d], Dict[nn.Conv2d, nn.BatchNorm2d]]:
    """Conv2d modules in call order (a module called twice appears twice) and, for each conv whose
    output goes straight into a BatchNorm2d, that BatchNorm."""
    calls: List[nn.Conv2d] = []
    # The output tensor is kept alive with its conv: a freed tensor's id() can be reused.
    produced_by: Dict[int, Tuple[nn.Conv2d, torch.Tensor]] = {}
    pairs: Dict[nn.Conv2d, nn.BatchNorm2d] = {}

    def on_conv(module, _inputs, output):
        calls.append(module)
        produced_by[id(output)] = (module, output)

    def on_bn(module, inputs, _output):
        conv, _ = produced_by.get(id(inputs[0]), (None, None))
        if conv is not None:
            if pairs.get(conv, module) is not module:
                raise ValueError("a conv feeds two different BatchNorms; cannot unfold")
            pairs[conv] = module

    handles = [m.register_forward_hook(on_conv) for m in model.modules() if isinstance(m, nn.Conv2d)]
    handles += [m.register_forward_hook(on_bn) for m in model.modules()
                if isinstance(m, nn.BatchNorm2d)]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(example)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return calls, pairs


@torch.no_grad()
def load_folded_weights(model: nn.Module, params, example: torch.Tensor) -> Dict[nn.Conv2d, nn.BatchNorm2d]:
    """Puts the ONNX convs' folded weights into `model` with every paired BatchNorm an exact
    identity-plus-bias (eval mode). Returns the conv -> BN pairs."""
    calls, pairs = trace_conv_bn_pairs(model, example)
    if len(calls) != len(params):
        raise ValueError(f"the model calls {len(calls)} convs, the ONNX graph has {len(params)}")
    seen: Dict[nn.Conv2d, Tuple[np.ndarray, Optional[np.ndarray]]] = {}
    for conv, (name, w, b) in zip(calls, params):
        if tuple(conv.weight.shape) != w.shape:
            raise ValueError(f"ONNX node {name}: weight {w.shape} does not fit a conv of "
                             f"{tuple(conv.weight.shape)}")
        if conv in seen:  # a shared module (BSNet's MBG head): every use must hold the same weights
            w0, b0 = seen[conv]
            if not np.array_equal(w0, w) or (b0 is None) != (b is None) or (
                    b is not None and not np.array_equal(b0, b)):
                raise ValueError(f"ONNX node {name}: a reused conv has different weights")
            continue
        seen[conv] = (w, b)
        conv.weight.copy_(torch.from_numpy(w))
        bn = pairs.get(conv)
        if bn is None:
            if (b is None) != (conv.bias is None):
                raise ValueError(f"ONNX node {name}: bias presence differs from the model's conv")
            if b is not None:
                conv.bias.copy_(torch.from_numpy(b))
            continue
        if conv.bias is not None:
            conv.bias.zero_()
        bias = torch.zeros(w.shape[0]) if b is None else torch.from_numpy(b)
        bn.running_mean.zero_()
        bn.running_var.fill_(1.0 - bn.eps)  # sqrt(var + eps) == 1
        bn.weight.fill_(1.0)
        bn.bias.copy_(bias)
    return pairs


@torch.no_grad()
def calibrate_and_standardise(model: nn.Module, pairs: Dict[nn.Conv2d, nn.BatchNorm2d],
                              batches: Iterable[torch.Tensor]) -> int:
    """Measures each paired conv's output statistics over `batches` (eval mode, so every layer
    sees the shipped function's activations), then rescales weights and BN as the module doc
    says. Returns the number of images seen."""
    sums = {conv: None for conv in pairs}
    sq = {conv: None for conv in pairs}
    counts = {conv: 0 for conv in pairs}

    def on_conv(module, _inputs, output):
        if module not in sums:
            return
        y = output.detach().double()
        s = y.sum(dim=(0, 2, 3))
        s2 = (y * y).sum(dim=(0, 2, 3))
        sums[module] = s if sums[module] is None else sums[module] + s
        sq[module] = s2 if sq[module] is None else sq[module] + s2
        counts[module] += y.shape[0] * y.shape[2] * y.shape[3]

    handles = [conv.register_forward_hook(on_conv) for conv in pairs]
    was_training = model.training
    images = 0
    try:
        model.eval()
        for batch in batches:
            model(batch)
            images += batch.shape[0]
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    if images == 0:
        raise ValueError("calibration needs at least one image")

    for conv, bn in pairs.items():
        n = counts[conv]
        mean = sums[conv] / n
        var = (sq[conv] / n - mean * mean).clamp_min(0.0)
        scale = torch.where(var > MIN_CALIBRATION_VAR, 1.0 / var.sqrt(), torch.ones_like(var))
        bias = bn.bias.double().clone()  # B_fold, from load_folded_weights
        conv.weight.mul_(scale.view(-1, 1, 1, 1).to(conv.weight.dtype))
        running_mean, running_var = mean * scale, var * scale * scale
        gamma = (running_var + bn.eps).sqrt() / scale
        bn.running_mean.copy_(running_mean)
        bn.running_var.copy_(running_var)
        bn.weight.copy_(gamma)
        # eval: (W'x - rm) * gamma / sqrt(rv + eps) + beta = W_fold x - mean + beta
        bn.bias.copy_(bias + mean)
    return images


def import_onnx_weights(model: nn.Module, onnx_model, example: torch.Tensor,
                        calibration: Callable[[], Iterable[torch.Tensor]]) -> dict:
    """Loads the ONNX file's weights into `model` (see the module doc). `calibration()` yields
    normalised N x 3 x H x W batches like the training data. Returns facts for the record."""
    params = onnx_conv_params(onnx_model)
    pairs = load_folded_weights(model, params, example)
    images = calibrate_and_standardise(model, pairs, calibration())
    return {"onnx_convs": len(params), "unfolded_batchnorms": len(pairs),
            "calibration_images": images}
