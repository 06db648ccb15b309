"""One training epoch: forward, structure + edge loss, clipped Adam step, weight-average update,
with steps whose loss is not finite skipped; and the learning rate of each epoch.
"""

import sys
import time

import torch

from .batch_device import autocast_context, to_device
from .losses import PART_NAMES, bsnet_loss
from .progress_bar import ProgressBar, fmt_duration


def lr_at(args, epoch: int) -> float:
    if args.decay_epoch > 0:
        return args.lr * args.decay_rate ** (epoch // args.decay_epoch)
    return args.lr


def train_one_epoch(model, loader, optimizer, args, device, epoch: int, ema=None):
    model.train()
    n_steps = len(loader)
    bar = ProgressBar(n_steps, f"epoch {epoch + 1}/{args.epochs}")
    sums = {k: 0.0 for k in ("total",) + PART_NAMES}
    n_images = 0
    n_skipped = 0
    processed = 0
    size_counts = {}
    start = time.time()
    for step, batch in enumerate(loader, 1):
        image = to_device(batch["image"], device, args.channels_last)
        mask = batch["mask"].to(device)
        edge = batch["edge"].to(device)
        with autocast_context(device, args.bf16):
            outputs = model(image)
        total, parts = bsnet_loss(outputs, mask, edge)
        optimizer.zero_grad(set_to_none=True)
        bs = image.shape[0]
        if torch.isfinite(total):
            total.backward()
            if args.clip > 0:
                if args.clip_mode == "norm":
                    torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
                else:
                    torch.nn.utils.clip_grad_value_(model.parameters(), args.clip)
            optimizer.step()
            if ema is not None:
                ema.update(model)
            sums["total"] += total.item() * bs
            for k, v in parts.items():
                sums[k] += v.item() * bs
            n_images += bs
        else:
            n_skipped += 1
            sys.stderr.write(f"\nwarning: non-finite loss at epoch {epoch + 1} step {step}; "
                             "step skipped\n")
        size_counts[str(batch["size"])] = size_counts.get(str(batch["size"]), 0) + 1
        processed += bs
        elapsed = time.time() - start
        eta = elapsed / step * (n_steps - step)
        bar.update(step, sums["total"] / max(n_images, 1), processed / max(elapsed, 1e-9), eta)
    seconds = time.time() - start
    bar.close(f"({fmt_duration(seconds)})")
    if n_images == 0:
        raise RuntimeError(f"epoch {epoch + 1}: every step had a non-finite loss")
    means = {k: v / n_images for k, v in sums.items()}
    return {"loss": means, "images": n_images, "skipped_steps": n_skipped,
            "seconds": seconds, "size_counts": size_counts}
