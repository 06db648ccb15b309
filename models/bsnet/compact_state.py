"""A checkpoint small enough to travel: weights stored as int8 per output channel.

A full training checkpoint is 185 MB (fp32 weights, Adam's two moments). What leaves a GPU
machine is capped (the device tool returns at most 64 MB), and what export needs is only the
weights, which export rounds to int8 per output channel anyway
(weight_compression.fake_quantize_conv_weights_). So every weight of two or more dimensions is
stored exactly as that rounding produces it (int8 values and one fp32 scale per output channel);
BatchNorm parameters, running statistics and biases stay fp32. Expanding gives back tensors that
export re-quantises to the same integers, so a model exported from the compact file is the model
exported from the full one.

load_checkpoint() and load_model_state() are how train.py, export.py and compact_checkpoint.py read
any checkpoint file, full or compact.
"""

from typing import Dict

import torch

from .weight_compression import quantize_per_channel

FORMAT = "bsnet-compact-state/1"


def compact_state_dict(state: Dict[str, torch.Tensor]) -> dict:
    """{"format", "int8": {name: (q, scale)}, "fp32": {name: tensor}, "other": {name: tensor}}."""
    int8, fp32, other = {}, {}, {}
    for name, value in state.items():
        value = value.detach().to("cpu")
        if value.dtype.is_floating_point and value.dim() >= 2:
            q, scale = quantize_per_channel(value.float())
            int8[name] = (q.to(torch.int8).contiguous(), scale.flatten().contiguous())
        elif value.dtype.is_floating_point:
            fp32[name] = value.float().contiguous()
        else:
            other[name] = value.contiguous()
    return {"format": FORMAT, "int8": int8, "fp32": fp32, "other": other}


def is_compact(obj) -> bool:
    return isinstance(obj, dict) and obj.get("format") == FORMAT


def model_state(checkpoint) -> Dict[str, torch.Tensor]:
    """The fp32 model weights of anything train.py, compact_checkpoint.py or import_onnx.py wrote
    (a dict with "model", full or compact) or of a bare state dict."""
    if isinstance(checkpoint, dict) and isinstance(checkpoint.get("model"), dict):
        checkpoint = checkpoint["model"]
    return expand_state_dict(checkpoint) if is_compact(checkpoint) else checkpoint


def load_checkpoint(path) -> dict:
    """A checkpoint file as written (train.py's last.pt and best.pt, compact ones, init.pt)."""
    # weights_only=False: our own checkpoints (trusted files) hold floats and lists, which torch
    # 1.13's weights-only unpickler rejects; torch >= 2.6 would default to weights_only=True.
    return torch.load(path, map_location="cpu", weights_only=False)


def load_model_state(path) -> Dict[str, torch.Tensor]:
    """The fp32 model weights of the checkpoint file at path (see model_state)."""
    return model_state(load_checkpoint(path))


def expand_state_dict(compact: dict) -> Dict[str, torch.Tensor]:
    """The fp32 state dict a compact one stands for (int8 weights dequantised)."""
    if not is_compact(compact):
        raise ValueError(f"not a compact state (format {compact.get('format') if isinstance(compact, dict) else None!r}, "
                         f"expected {FORMAT!r})")
    state = {}
    for name, (q, scale) in compact["int8"].items():
        state[name] = q.float() * scale.view(-1, *([1] * (q.dim() - 1)))
    state.update(compact["fp32"])
    state.update(compact["other"])
    return state
