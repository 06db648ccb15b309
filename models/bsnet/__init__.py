"""BSNet segmentation network: model, config, factory and export wrapper."""

from .export_wrapper import BSNetExportWrapper, export_onnx
from .network import MIN_INPUT_SIZE, BSNet, BSNetConfig, check_input_size, create_model
from .res2net import Res2NetV1b, res2net50_v1b_26w_4s

__all__ = [
    "BSNet",
    "BSNetConfig",
    "BSNetExportWrapper",
    "MIN_INPUT_SIZE",
    "Res2NetV1b",
    "check_input_size",
    "create_model",
    "export_onnx",
    "res2net50_v1b_26w_4s",
]
