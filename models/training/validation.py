"""The validation pass that selects the model: loss and mean Dice (256 thresholds) over the
validation split, per image as well, at the sizes the validation loader gives.
"""

import time

import torch

from .batch_device import autocast_context, to_device
from .losses import bsnet_loss
from .metrics import DiceAccumulator


@torch.no_grad()
def validate(model, loader, args, device):
    model.eval()
    acc = DiceAccumulator()
    loss_sum, n = 0.0, 0
    start = time.time()
    for batch in loader:
        image = to_device(batch["image"], device, args.channels_last)
        with autocast_context(device, args.bf16):
            outputs = model(image)
        total, _ = bsnet_loss(outputs, batch["mask"].to(device), batch["edge"].to(device))
        loss_sum += total.item() * image.shape[0]
        n += image.shape[0]
        acc.add_batch(outputs[3], batch["orig_masks"], batch["stems"])
    res = acc.result()
    res["loss"] = loss_sum / max(n, 1)
    res["seconds"] = time.time() - start
    res["per_image"] = acc.per_image()
    return res
