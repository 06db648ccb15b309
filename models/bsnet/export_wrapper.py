"""Inference/export face of BSNet: one normalised image batch in, the
segmentation and edge probabilities out, under the names the serving code
binds to (`image` -> `prob`, `edge`)."""

import inspect
import warnings
from pathlib import Path
from typing import Tuple, Union

import torch
from torch import nn

from .network import BSNet, check_input_size

INPUT_NAME = "image"
OUTPUT_NAMES = ("prob", "edge")


class BSNetExportWrapper(nn.Module):
    """image: N x 3 x H x W float32, already normalised with config.mean/std.
    Returns (prob, edge) = (sigmoid(S2), sigmoid(E)), each N x 1 x H x W;
    the coarser side outputs only matter for training."""

    def __init__(self, model: BSNet):
        super().__init__()
        self.model = model
        self.config = model.config

    def forward(self, image: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        _, _, _, s2, e = self.model(image)
        return torch.sigmoid(s2), torch.sigmoid(e)


def export_onnx(model: Union[BSNet, BSNetExportWrapper], path: Union[str, Path],
                size: int = None, opset: int = 13) -> Path:
    """Trace the wrapper at a fixed size x size (default: config.input_size)
    with a dynamic batch axis, write it to `path` and run the ONNX checker.
    Switches the model to eval mode, since BN must use running statistics."""
    import onnx  # only export needs it

    wrapper = model if isinstance(model, BSNetExportWrapper) else BSNetExportWrapper(model)
    wrapper.eval()
    size = size or wrapper.config.input_size
    check_input_size(size, size)
    path = Path(path)
    dummy = torch.zeros(1, 3, size, size)

    kwargs = dict(
        input_names=[INPUT_NAME],
        output_names=list(OUTPUT_NAMES),
        dynamic_axes={name: {0: "batch"} for name in (INPUT_NAME, *OUTPUT_NAMES)},
        opset_version=opset,
        do_constant_folding=True,
    )
    # PyTorch >= 2.5 has a dynamo-based exporter (the default from 2.9) that
    # ignores dynamic_axes; the tracing exporter is the one both versions share.
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    with torch.no_grad(), warnings.catch_warnings():
        # PyTorch 1.13 warns once per bilinear Resize about its empty `roi`
        # placeholder; the exported graph is fine and the checker runs below.
        warnings.filterwarnings("ignore", message="The shape inference of prim::Constant")
        torch.onnx.export(wrapper, (dummy,), str(path), **kwargs)

    onnx.checker.check_model(str(path))
    return path
