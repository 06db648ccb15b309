"""BSNet training loss, the structure loss of Inf-Net's trainer on each side
output plus BCE on the edge map.

For each of S5, S4, S3, S2 (logits) against the mask gt (0..1, may be soft):
    weit  = 1 + 5 * |avgpool31(gt) - gt|   (31x31, stride 1, padding 15,
                                            zero padding counted, as in Inf-Net)
    wbce  = sum(weit * bce) / sum(weit)    per image
    pred  = sigmoid(logits)
    inter = sum(pred * gt * weit); union = sum((pred + gt) * weit)
    wiou  = 1 - (inter + 1) / (union - inter + 1)
    loss  = mean over the batch of (wbce + wiou)
Edge: BCE-with-logits of E against the edge map (mean over pixels).
Total = the four structure losses + the edge loss.

Note: Inf-Net's released code passes reduce='none' to
binary_cross_entropy_with_logits, a legacy flag that torch reads as "reduce
to the mean", so its "weighted" BCE is in fact the plain mean BCE. This
module weights per pixel (reduction='none'), as the recipe describes.

Everything is computed in float32, whatever dtype the logits came in (bf16
under autocast).
"""

from typing import Dict, Sequence, Tuple

import torch
import torch.nn.functional as F

SIDE_NAMES = ("s5", "s4", "s3", "s2")
PART_NAMES = SIDE_NAMES + ("edge",)


def boundary_weight(gt: torch.Tensor) -> torch.Tensor:
    """1 + 5 * |avgpool31(gt) - gt|: up to 6 near mask borders, 1 in flat areas."""
    return 1 + 5 * torch.abs(F.avg_pool2d(gt, kernel_size=31, stride=1, padding=15) - gt)


def structure_loss(logits: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """Weighted BCE + weighted IoU, N x 1 x H x W logits and gt -> scalar."""
    logits = logits.float()
    gt = gt.float()
    weit = boundary_weight(gt)
    bce = F.binary_cross_entropy_with_logits(logits, gt, reduction="none")
    wbce = (weit * bce).sum(dim=(2, 3)) / weit.sum(dim=(2, 3))
    pred = torch.sigmoid(logits)
    inter = (pred * gt * weit).sum(dim=(2, 3))
    union = ((pred + gt) * weit).sum(dim=(2, 3))
    wiou = 1 - (inter + 1) / (union - inter + 1)
    return (wbce + wiou).mean()


def edge_loss(logits: torch.Tensor, edge: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits.float(), edge.float())


def bsnet_loss(outputs: Sequence[torch.Tensor], mask: torch.Tensor,
               edge: torch.Tensor) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
    """outputs = (S5, S4, S3, S2, E) logits -> (total, {s5, s4, s3, s2, edge})."""
    if len(outputs) != 5:
        raise ValueError(f"bsnet_loss expects 5 outputs (S5, S4, S3, S2, E), got {len(outputs)}")
    parts = {name: structure_loss(out, mask) for name, out in zip(SIDE_NAMES, outputs[:4])}
    parts["edge"] = edge_loss(outputs[4], edge)
    total = sum(parts.values())
    return total, parts
