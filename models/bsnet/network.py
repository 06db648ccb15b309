"""BSNet (Cong et al., IEEE TCE 2022): boundary-guided semantic learning for
COVID-19 lung infection segmentation, plus its config and factory.

The config carries the preprocessing facts (input size, ImageNet mean/std)
so that export and serving code read them from the model, not from
constants of their own.
"""

from dataclasses import asdict, dataclass
from typing import Tuple

import torch
from torch import nn

from .blocks import (BoundaryGuidanceBlock, DualSemanticEnhancement, EdgeBranch,
                     ReceptiveFieldReduction, resize_to, upsample)
from .res2net import res2net50_v1b_26w_4s


# The DSE's unpadded dilated convs need X4 (H/32) >= 5 pixels, X3 >= 9 and
# X2 >= 17, so 160 is the smallest input the network accepts.
MIN_INPUT_SIZE = 160


@dataclass(frozen=True)
class BSNetConfig:
    name: str = "bsnet"
    # H and W must be multiples of 32, or the DSE maps do not line up.
    input_size: int = 352
    mean: Tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: Tuple[float, float, float] = (0.229, 0.224, 0.225)
    reduced_channels: int = 32
    edge_channels: int = 64
    mbg_channels: int = 256
    # Keep the backbone's unused ImageNet classifier (see res2net.py); it is
    # what makes the reference counts 46.0 M total / 25.7 M backbone.
    imagenet_head: bool = True

    def to_dict(self) -> dict:
        return asdict(self)


class BSNet(nn.Module):
    """forward(image) -> (S5, S4, S3, S2, E): logits, each N x 1 x H x W,
    coarse to fine, then the edge map. Inference uses sigmoid(S2)."""

    def __init__(self, config: BSNetConfig = BSNetConfig()):
        super().__init__()
        self.config = config
        rc, ec, mc = config.reduced_channels, config.edge_channels, config.mbg_channels

        self.backbone = res2net50_v1b_26w_4s(1000 if config.imagenet_head else 0)
        self.reduce2 = ReceptiveFieldReduction(512, rc)
        self.reduce3 = ReceptiveFieldReduction(1024, rc)
        self.reduce4 = ReceptiveFieldReduction(2048, rc)
        self.dse = DualSemanticEnhancement(rc)
        self.edge = EdgeBranch(256, ec)
        self.mbg4 = BoundaryGuidanceBlock(ec, 2048, 1, mc)
        self.mbg3 = BoundaryGuidanceBlock(ec, 1024, 1, mc)
        self.mbg2 = BoundaryGuidanceBlock(ec, 512, 1, mc)
        # One head shared by the three MBG blocks, so their maps stay on one
        # scale and can be summed into S4, S3, S2.
        self.mbg_head = nn.Conv2d(mc, 1, 1)

    def forward(self, image: torch.Tensor):
        # Checked eagerly only: under tracing the size is fixed by the example.
        if not torch.jit.is_tracing():
            check_input_size(image.shape[-2], image.shape[-1])
        x1, x2, x3, x4 = self.backbone(image)

        s5 = self.dse(self.reduce2(x2), self.reduce3(x3), self.reduce4(x4))  # H/8
        g, e = self.edge(x1)  # H/4

        # Each block passes on its own map M, not the summed side output.
        m4 = self.mbg_head(self.mbg4(g, x4, s5))
        s4 = m4 + resize_to(s5, m4)
        m3 = self.mbg_head(self.mbg3(g, x3, m4))
        s3 = m3 + m4
        m2 = self.mbg_head(self.mbg2(g, x2, m3))
        s2 = m2 + m3

        return (upsample(s5, 8), upsample(s4, 4), upsample(s3, 4),
                upsample(s2, 4), upsample(e, 4))


def check_input_size(height: int, width: int) -> None:
    for axis, n in (("height", height), ("width", width)):
        if n % 32 != 0 or n < MIN_INPUT_SIZE:
            raise ValueError(f"BSNet: input {axis} must be a multiple of 32 and at least "
                             f"{MIN_INPUT_SIZE}, got {n}")


def create_model(name: str = "bsnet", **cfg) -> BSNet:
    """Build a randomly initialised BSNet; `cfg` overrides BSNetConfig fields."""
    if name != "bsnet":
        raise ValueError(f"create_model: unknown model name {name!r} (known: 'bsnet')")
    return BSNet(BSNetConfig(name=name, **cfg))
