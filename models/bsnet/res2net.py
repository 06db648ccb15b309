"""Res2Net-50 v1b (26w x 4s) backbone for BSNet.

The "v1b" variant: a deep stem of three 3x3 convs instead of one 7x7, and
average-pool downsampling in the shortcut instead of a strided 1x1 conv.
`forward` returns the four stage features X1..X4 that BSNet consumes:
256 @ H/4, 512 @ H/8, 1024 @ H/16, 2048 @ H/32.

The ImageNet classifier `fc` (2048 -> 1000, 2.05 M parameters) is kept by
default although `forward` never uses it: the reference BSNet is built that
way (its 46.0 M / 25.7 M counts include it) and ImageNet-style checkpoints
then load with strict=True. Tracing drops it, so ONNX files do not carry it.
"""

import math
from typing import List, Tuple

import torch
from torch import nn


class Bottle2neck(nn.Module):
    """Res2Net bottleneck: the 3x3 stage is split into `scale` channel groups
    that are processed hierarchically, widening the receptive field inside
    one block."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1,
                 downsample: nn.Module = None, base_width: int = 26,
                 scale: int = 4, stype: str = "normal"):
        super().__init__()
        width = int(math.floor(planes * (base_width / 64.0)))
        self.width = width
        self.scale = scale
        self.stype = stype

        self.conv1 = nn.Conv2d(inplanes, width * scale, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width * scale)

        # The last split skips the 3x3 convs; in a 'stage' block (first of a
        # layer, possibly strided) it still has to match the others' size.
        self.pool = (nn.AvgPool2d(3, stride=stride, padding=1)
                     if stype == "stage" else nn.Identity())
        self.convs = nn.ModuleList([
            nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
            for _ in range(scale - 1)])
        self.bns = nn.ModuleList([nn.BatchNorm2d(width) for _ in range(scale - 1)])

        self.conv3 = nn.Conv2d(width * scale, planes * self.expansion, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = x if self.downsample is None else self.downsample(x)

        out = self.relu(self.bn1(self.conv1(x)))
        splits = torch.split(out, self.width, dim=1)

        parts: List[torch.Tensor] = []
        sp = splits[0]
        for i, (conv, bn) in enumerate(zip(self.convs, self.bns)):
            # 'stage' blocks change resolution, so the hierarchical sum
            # between splits only applies inside 'normal' blocks.
            if i > 0 and self.stype == "normal":
                sp = sp + splits[i]
            elif i > 0:
                sp = splits[i]
            sp = self.relu(bn(conv(sp)))
            parts.append(sp)
        parts.append(self.pool(splits[self.scale - 1]))

        out = self.bn3(self.conv3(torch.cat(parts, dim=1)))
        return self.relu(out + residual)


class Res2NetV1b(nn.Module):
    """Res2Net v1b feature extractor; `num_classes=0` drops the unused
    classifier."""

    def __init__(self, layers: Tuple[int, int, int, int] = (3, 4, 6, 3),
                 base_width: int = 26, scale: int = 4, num_classes: int = 1000):
        super().__init__()
        self.base_width = base_width
        self.scale = scale
        self.inplanes = 64

        self.conv1 = nn.Sequential(
            nn.Conv2d(3, 32, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
            nn.Conv2d(32, 32, 3, stride=1, padding=1, bias=False),
            nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
            nn.Conv2d(32, 64, 3, stride=1, padding=1, bias=False),
        )
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)

        self.layer1 = self._make_layer(64, layers[0], stride=1)
        self.layer2 = self._make_layer(128, layers[1], stride=2)
        self.layer3 = self._make_layer(256, layers[2], stride=2)
        self.layer4 = self._make_layer(512, layers[3], stride=2)
        self.fc = (nn.Linear(512 * Bottle2neck.expansion, num_classes)
                   if num_classes > 0 else None)

        self._init_weights()

    def _make_layer(self, planes: int, blocks: int, stride: int) -> nn.Sequential:
        downsample = None
        out_planes = planes * Bottle2neck.expansion
        if stride != 1 or self.inplanes != out_planes:
            # v1b: pool first, then a stride-1 1x1 conv, so the shortcut sees
            # every input pixel instead of one in four.
            downsample = nn.Sequential(
                nn.AvgPool2d(stride, stride=stride, ceil_mode=True,
                             count_include_pad=False),
                nn.Conv2d(self.inplanes, out_planes, 1, bias=False),
                nn.BatchNorm2d(out_planes),
            )
        blocks_list = [Bottle2neck(self.inplanes, planes, stride, downsample,
                                   self.base_width, self.scale, stype="stage")]
        self.inplanes = out_planes
        for _ in range(1, blocks):
            blocks_list.append(Bottle2neck(self.inplanes, planes,
                                           base_width=self.base_width,
                                           scale=self.scale))
        return nn.Sequential(*blocks_list)

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x1 = self.layer1(x)
        x2 = self.layer2(x1)
        x3 = self.layer3(x2)
        x4 = self.layer4(x3)
        return x1, x2, x3, x4


def res2net50_v1b_26w_4s(num_classes: int = 1000) -> Res2NetV1b:
    return Res2NetV1b((3, 4, 6, 3), base_width=26, scale=4, num_classes=num_classes)
