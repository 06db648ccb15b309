"""Building blocks of BSNet: receptive-field reduction, spatial attention,
Dual-branch Semantic Enhancement (DSE), the edge branch and the
Mirror-symmetric Boundary Guidance (MBG) block.

All resizes are bilinear with align_corners=True, as in the reference model;
sizes come from tensor shapes so tracing for ONNX export stays shape-correct.
"""

from typing import Tuple

import torch
import torch.nn.functional as F
from torch import nn


def resize_to(x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Bilinear resize of `x` to the spatial size of `ref`."""
    return F.interpolate(x, size=ref.shape[-2:], mode="bilinear", align_corners=True)


def upsample(x: torch.Tensor, factor: int) -> torch.Tensor:
    return F.interpolate(x, scale_factor=factor, mode="bilinear", align_corners=True)


class BasicConv2d(nn.Sequential):
    """Conv + BatchNorm, deliberately without an activation: the reference
    model's reduction and edge convs are linear up to BN."""

    def __init__(self, in_ch: int, out_ch: int, kernel_size, stride: int = 1,
                 padding=0, dilation: int = 1):
        super().__init__(
            nn.Conv2d(in_ch, out_ch, kernel_size, stride=stride, padding=padding,
                      dilation=dilation, bias=False),
            nn.BatchNorm2d(out_ch),
        )


class ConvBNReLU(nn.Sequential):
    def __init__(self, in_ch: int, out_ch: int, kernel_size: int = 3, padding: int = 1):
        super().__init__(
            nn.Conv2d(in_ch, out_ch, kernel_size, padding=padding, bias=False),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(inplace=True),
        )


class ReceptiveFieldReduction(nn.Module):
    """RFB-like block: four branches with growing receptive fields, fused and
    added to a 1x1 projection of the input, reducing channels to `out_ch`."""

    def __init__(self, in_ch: int, out_ch: int = 32):
        super().__init__()
        self.branch0 = BasicConv2d(in_ch, out_ch, 1)
        self.branch1 = self._branch(in_ch, out_ch, 3)
        self.branch2 = self._branch(in_ch, out_ch, 5)
        self.branch3 = self._branch(in_ch, out_ch, 7)
        self.fuse = BasicConv2d(4 * out_ch, out_ch, 3, padding=1)
        self.project = BasicConv2d(in_ch, out_ch, 1)
        self.relu = nn.ReLU(inplace=True)

    @staticmethod
    def _branch(in_ch: int, out_ch: int, k: int) -> nn.Sequential:
        # Separable 1xk / kx1 widen the field cheaply; the dilated 3x3 (rate k)
        # then spreads it without shrinking the map.
        return nn.Sequential(
            BasicConv2d(in_ch, out_ch, 1),
            BasicConv2d(out_ch, out_ch, (1, k), padding=(0, k // 2)),
            BasicConv2d(out_ch, out_ch, (k, 1), padding=(k // 2, 0)),
            BasicConv2d(out_ch, out_ch, 3, padding=k, dilation=k),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cat = torch.cat([self.branch0(x), self.branch1(x),
                         self.branch2(x), self.branch3(x)], dim=1)
        return self.relu(self.fuse(cat) + self.project(x))


class SpatialAttention(nn.Module):
    """out = a * f + f with a = sigmoid(conv3x3([mean_c(f), max_c(f)]));
    the residual keeps features alive where the attention is near zero."""

    def __init__(self, kernel_size: int = 3):
        super().__init__()
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        stats = torch.cat([f.mean(dim=1, keepdim=True),
                           f.max(dim=1, keepdim=True)[0]], dim=1)
        a = torch.sigmoid(self.conv(stats))
        return a * f + f


class DualSemanticEnhancement(nn.Module):
    """DSE: fuses a top-level (X4-only, attention-refined) map with a
    progressive X4->X3->X2 map into the coarsest prediction, S5 at H/8."""

    def __init__(self, channels: int = 32):
        super().__init__()
        self.attention = SpatialAttention()
        self.top_head = nn.Conv2d(channels, 1, 1)
        # Unpadded dilated convs: rates 8/4/2 on H/8, H/16, H/32 shrink the
        # maps to sizes that differ by exactly x2 (at 352: 28, 14, 7).
        self.dil2 = BasicConv2d(channels, channels, 3, dilation=8)
        self.dil3 = BasicConv2d(channels, channels, 3, dilation=4)
        self.dil4 = BasicConv2d(channels, channels, 3, dilation=2)
        self.progressive_head = nn.Conv2d(3 * channels, 1, 1)

    def forward(self, r2: torch.Tensor, r3: torch.Tensor, r4: torch.Tensor) -> torch.Tensor:
        top = self.top_head(self.attention(upsample(r4, 4)))

        p4 = self.dil4(r4)
        p3 = torch.cat([upsample(p4, 2), self.dil3(r3)], dim=1)
        p2 = torch.cat([upsample(p3, 2), self.dil2(r2)], dim=1)
        progressive = self.progressive_head(p2)

        return resize_to(progressive, top) + top


class EdgeBranch(nn.Module):
    """From X1: the edge guidance feature G (64 ch, H/4) and the edge logit
    map E at H/4. Conv+BN throughout, no activation, per the reference."""

    def __init__(self, in_ch: int = 256, channels: int = 64):
        super().__init__()
        self.guidance = nn.Sequential(
            BasicConv2d(in_ch, channels, 1),
            BasicConv2d(channels, channels, 3, padding=1),
            BasicConv2d(channels, channels, 3, padding=1),
        )
        self.head = BasicConv2d(channels, 1, 3, padding=1)

    def forward(self, x1: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        g = self.guidance(x1)
        return g, self.head(g)


class BoundaryGuidanceBlock(nn.Module):
    """MBG block: the edge feature G and a semantic feature F gate each other
    symmetrically (z1, z2), the previous map P adds a prior (z3); the fused
    256-ch result lives at G's resolution (H/4)."""

    def __init__(self, edge_ch: int, feat_ch: int, prior_ch: int = 1, channels: int = 256):
        super().__init__()
        self.embed_g = ConvBNReLU(edge_ch, channels)
        self.embed_f = ConvBNReLU(feat_ch, channels)
        self.embed_p = ConvBNReLU(prior_ch, channels)
        self.conv_g = BasicConv2d(channels, channels, 3, padding=1)
        self.conv_f = BasicConv2d(channels, channels, 3, padding=1)
        self.conv_p = BasicConv2d(channels, channels, 3, padding=1)
        self.fuse = ConvBNReLU(3 * channels, channels)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, g: torch.Tensor, f: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        g = self.embed_g(g)
        f = self.embed_f(f)
        p = self.embed_p(p)
        # F and P are embedded at their own (coarser) resolution, which is
        # cheaper, and only brought to H/4 where they meet G.
        z1 = self.relu(self.conv_g(g) * resize_to(f, g))
        z2 = self.relu(resize_to(self.conv_f(f), g) * g)
        z3 = self.relu(resize_to(self.conv_p(p), g))
        return self.fuse(torch.cat([z1, z2, z3], dim=1))
