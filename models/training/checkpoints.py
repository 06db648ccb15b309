"""What a run's checkpoints hold and how a --resume restores a run from last.pt.

last.pt (every epoch): raw model weights, optimizer, weight average, epoch, best score, history,
images seen, rng states, args. best.pt (when validation mean Dice improves): the validated
weights (the average with --ema) and their validation scores. Both hold only tensors and plain
Python values, and the model_config the weights belong to.
"""

import sys
from dataclasses import dataclass, field

import torch

from .rng_state import rng_states, set_rng_states

# Arguments that define the optimisation; a --resume with different values
# is allowed (e.g. more --epochs) but is no longer an exact continuation.
RESUME_CRITICAL = ("seed", "batch", "lr", "clip", "clip_mode", "sizes", "data_stage",
                   "limit_train", "bf16", "channels_last", "no_augment", "decay_epoch",
                   "decay_rate", "val_size", "ema", "ct_look_p", "select_on")


@dataclass
class RunProgress:
    """Where a run stands between epochs: what last.pt carries across a --resume."""
    start_epoch: int = 0
    best_score: float = -1.0
    best_epoch: int = 0
    history: list = field(default_factory=list)
    images_seen: int = 0
    prior_seconds: float = 0.0


def cpu_state_dict(model: torch.nn.Module) -> dict:
    # contiguous: a channels_last model's weights load into any model
    return {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}


def best_checkpoint(model, ema, epoch_done: int, val: dict, args, model_config,
                    config_args: dict) -> dict:
    """best.pt: the weights that were validated (the average with --ema) and their scores."""
    return {
        "model": cpu_state_dict(ema.model if ema else model), "epoch": epoch_done,
        "weights": f"moving average, decay {args.ema}" if ema else "raw",
        "val_mean_dice": val["mean_dice"], "val_dice@0.5": val["dice@0.5"],
        "val_per_image": val["per_image"], "model_config": model_config.to_dict(),
        "args": config_args, "torch": torch.__version__,
    }


def last_checkpoint(model, optimizer, ema, epoch_done: int, progress: RunProgress, device,
                    config_args: dict, model_config, train_seconds: float) -> dict:
    """last.pt: everything a --resume needs to continue after epoch `epoch_done`."""
    return {
        "model": cpu_state_dict(model), "optimizer": optimizer.state_dict(),
        "epoch": epoch_done, "best_score": progress.best_score,
        "best_epoch": progress.best_epoch, "history": progress.history,
        "images_seen": progress.images_seen, "rng": rng_states(device),
        "args": config_args, "model_config": model_config.to_dict(),
        "train_seconds": train_seconds, "torch": torch.__version__,
        **({"ema": ema.state_dict()} if ema else {}),
    }


def _norm(v):
    return list(v) if isinstance(v, tuple) else v


def resume_run(ckpt: dict, model, optimizer, ema, args, run) -> RunProgress:
    """Restores model, optimizer, weight average and rng states from last.pt (`ckpt`), warns
    about changed RESUME_CRITICAL settings, and rewrites the run's log from its history."""
    model.load_state_dict(ckpt["model"], strict=True)
    optimizer.load_state_dict(ckpt["optimizer"])
    if ema is not None:
        if "ema" not in ckpt:
            raise SystemExit(f"--resume with --ema: {run.last} holds no weight average")
        ema.load_state_dict(ckpt["ema"])
    progress = RunProgress(start_epoch=ckpt["epoch"], best_score=ckpt["best_score"],
                           best_epoch=ckpt["best_epoch"], history=ckpt["history"],
                           images_seen=ckpt["images_seen"],
                           prior_seconds=ckpt.get("train_seconds", 0.0))
    set_rng_states(ckpt["rng"])
    old = ckpt.get("args", {})
    changed = {k: (old.get(k), getattr(args, k)) for k in RESUME_CRITICAL
               if k in old and _norm(old.get(k)) != _norm(getattr(args, k))}
    if changed:
        print("warning: --resume with changed settings (not an exact continuation): "
              + ", ".join(f"{k} {a} -> {b}" for k, (a, b) in changed.items()),
              file=sys.stderr)
    # the log is rewritten from the checkpoint's history: lines written
    # after the last checkpoint (a crash between the two) are dropped
    run.rewrite_log(progress.history)
    print(f"resumed {run.last} at epoch {progress.start_epoch} (best val mean Dice "
          f"{progress.best_score:.4f} at epoch {progress.best_epoch})")
    if args.init:
        print("note: --init is ignored with --resume (weights come from last.pt)",
              file=sys.stderr)
    return progress
