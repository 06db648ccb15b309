"""What a run tells as it goes: the opening line, each epoch's log.jsonl record and its console
line, and the closing summary (why it stopped, the best epoch, the time, the files).
"""

import time

import torch

from .checkpoints import RunProgress
from .losses import PART_NAMES
from .run_data import RunData
from .run_files import RunFolder


def print_banner(args, data: RunData, device, start_epoch: int) -> None:
    print(f"BSNet training: {args.data_stage} stage, {len(data.train_set)} training / "
          f"{len(data.val_set)} validation images, sizes {list(args.sizes)}, batch {args.batch}, "
          f"lr {args.lr}, {'bf16' if args.bf16 else 'fp32'}"
          f"{', channels_last' if args.channels_last else ''}, {torch.get_num_threads()} "
          f"threads, device {device}, torch {torch.__version__}")
    if start_epoch >= args.epochs:
        print(f"nothing to do: already at epoch {start_epoch} of {args.epochs}")


def epoch_record(epoch: int, tr: dict, val, val_raw, val_ct, score, lr: float,
                 images_seen: int, improved: bool) -> dict:
    """One log.jsonl line: epoch `epoch` (0-based) as trained and, when it was, validated."""
    return {
        "epoch": epoch + 1,
        "seconds": round(tr["seconds"] + (val["seconds"] if val else 0.0), 2),
        "train_seconds": round(tr["seconds"], 2),
        "train_loss": tr["loss"]["total"],
        "train_parts": {k: tr["loss"][k] for k in PART_NAMES},
        "val_mean_dice": val["mean_dice"] if val else None,
        "val_dice@0.5": val["dice@0.5"] if val else None,
        "val_loss": val["loss"] if val else None,
        **({"val_mean_dice_raw": val_raw["mean_dice"]} if val_raw else {}),
        **({"val_ct_mean_dice": val_ct["mean_dice"]} if val_ct else {}),
        "selection_score": score,
        "lr": lr,
        "images_seen": images_seen,
        "images_per_second": round(tr["images"] / max(tr["seconds"], 1e-9), 3),
        "size_counts": tr["size_counts"],
        "skipped_steps": tr["skipped_steps"],
        "best": improved,
    }


def epoch_message(epoch: int, tr: dict, record: dict, val, val_raw, val_ct,
                  improved: bool) -> str:
    parts_text = " ".join(f"{k} {tr['loss'][k]:.3f}" for k in PART_NAMES)
    msg = (f"epoch {epoch + 1}: loss {tr['loss']['total']:.4f} ({parts_text}), "
           f"{record['images_per_second']:.2f} img/s")
    if val:
        msg += (f", val mean Dice {val['mean_dice']:.4f}, Dice@0.5 {val['dice@0.5']:.4f}"
                f", val loss {val['loss']:.4f}"
                + (f" (raw weights {val_raw['mean_dice']:.4f})" if val_raw else "")
                + (f", stored-CT look {val_ct['mean_dice']:.4f}" if val_ct else "")
                + (" *best*" if improved else ""))
    return msg


def print_summary(run: RunFolder, args, stop_reason: str, progress: RunProgress,
                  t_start: float) -> None:
    history = progress.history
    done_epochs = history[-1]["epoch"] if history else 0
    minutes = (time.time() - t_start) / 60
    total_minutes = (progress.prior_seconds + time.time() - t_start) / 60
    print("=" * 72)
    print(f"run {run.out}: {stop_reason}; {done_epochs}/{args.epochs} epochs, "
          f"{progress.images_seen} images seen")
    if progress.best_epoch:
        best = next(h for h in history if h["epoch"] == progress.best_epoch)
        print(f"best epoch {progress.best_epoch} ({args.select_on}): selection score "
              f"{progress.best_score:.4f}, val mean Dice {best['val_mean_dice']:.4f}, "
              f"Dice@0.5 {best['val_dice@0.5']:.4f} -> {run.best}")
    else:
        print("no validation yet: no best.pt")
    print(f"time: {minutes:.1f} min this invocation, {total_minutes:.1f} min in total")
    print(f"files: {run.last}, {run.log}, {run.curves}, {run.config}")
