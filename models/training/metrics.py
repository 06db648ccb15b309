"""Validation Dice for model selection, computed the way the field scores
covid-semiseg (Inf-Net's protocol, as PySODMetrics implements it), but only
the Dice part, so it is cheap enough to run every epoch.

Per image, with P the predicted probability map at the mask's size and
G = mask > 128 (0..255) / > 0.5 (0..1):
  - dice@0.5: B = P >= 0.5 on the raw probabilities.
  - Dice curve: P min-max normalised to 0..1 (left as-is when constant),
    B_k = P >= k/255 for k = 0..255, Dice_k = 2 TP / (|G| + |B_k|), 0 where
    |G| + |B_k| = 0 (PySODMetrics' convention).
Mean Dice = average over images at each threshold, then over the 256
thresholds. Note that k = 0 makes B the whole image, so even a perfect
binary prediction scores slightly below 1: (255 + 2|G|/(|G|+N)) / 256.
Select models on the mean Dice.
"""

from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F

N_THRESHOLDS = 256


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.zeros(np.broadcast(num, den).shape, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


def normalise_min_max(pred: np.ndarray) -> np.ndarray:
    pred = np.asarray(pred, dtype=np.float64)
    lo, hi = pred.min(), pred.max()
    if hi != lo:
        pred = (pred - lo) / (hi - lo)
    return np.clip(pred, 0.0, 1.0)


def dice_curve(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Dice at the 256 thresholds k/255 of the min-max normalised `pred`
    (H x W floats) against the boolean `gt`; index k is threshold k/255."""
    gt = np.asarray(gt, dtype=bool)
    pred = normalise_min_max(pred)
    if pred.shape != gt.shape:
        raise ValueError(f"prediction {pred.shape} and mask {gt.shape} differ in size")
    # floor(P * 255) >= k  <=>  P >= k / 255 for integer k
    q = (pred * 255).astype(np.uint8)
    n_pred = np.cumsum(np.bincount(q.ravel(), minlength=N_THRESHOLDS)[::-1])[::-1]
    tp = np.cumsum(np.bincount(q[gt], minlength=N_THRESHOLDS)[::-1])[::-1]
    return _divide(2 * tp, gt.sum() + n_pred)


def dice_at(prob: np.ndarray, gt: np.ndarray, threshold: float = 0.5) -> float:
    """Dice of prob >= threshold (raw probabilities, no normalisation)."""
    gt = np.asarray(gt, dtype=bool)
    b = np.asarray(prob) >= threshold
    return float(_divide(2 * np.logical_and(b, gt).sum(), gt.sum() + b.sum()))


class DiceAccumulator:
    """Collects per-image scores; result() gives the means over images."""

    def __init__(self):
        self.curves: List[np.ndarray] = []
        self.dice05: List[float] = []
        self.stems: List[Optional[str]] = []

    def add(self, prob: np.ndarray, gt: np.ndarray, stem: Optional[str] = None) -> None:
        self.curves.append(dice_curve(prob, gt))
        self.dice05.append(dice_at(prob, gt, 0.5))
        self.stems.append(stem)

    def add_batch(self, logits: torch.Tensor, masks: List[torch.Tensor],
                  stems: Optional[List[str]] = None) -> None:
        """logits: N x 1 x h x w (S2 at the network size); masks: N masks
        (1 x H x W or H x W, 0..1) at their original sizes. sigmoid, then
        bilinear resize to each mask's size, then scored."""
        probs = torch.sigmoid(logits.detach().float().cpu())
        for i, mask in enumerate(masks):
            mask = mask.detach().cpu()
            size = tuple(mask.shape[-2:])
            p = F.interpolate(probs[i:i + 1], size=size, mode="bilinear", align_corners=False)
            gt = mask.reshape(size).numpy() > 0.5
            self.add(p[0, 0].numpy(), gt, None if stems is None else stems[i])

    def __len__(self) -> int:
        return len(self.curves)

    def result(self) -> Dict[str, float]:
        if not self.curves:
            raise ValueError("DiceAccumulator: no images")
        curve = np.mean(np.stack(self.curves), axis=0)
        return {
            "mean_dice": float(curve.mean()),
            "dice@0.5": float(np.mean(self.dice05)),
            "n": len(self.curves),
        }

    def per_image(self) -> List[Dict]:
        return [{"stem": s, "mean_dice": float(c.mean()), "dice@0.5": d}
                for s, c, d in zip(self.stems, self.curves, self.dice05)]
