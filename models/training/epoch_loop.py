"""The epochs of a training run: each one trains, validates when due (the weight average and,
beside it, the raw weights, and the stored-CT look), keeps best.pt when the selection score
(--select-on) improves, writes last.pt,
the log line and curves.png, and stops early once the --max-minutes budget is spent.
"""

import time

from .checkpoints import RunProgress, best_checkpoint, last_checkpoint
from .curves_plot import plot_curves
from .run_data import RunData, epoch_loader
from .run_files import RunFolder, atomic_torch_save
from .run_report import epoch_message, epoch_record
from .train_epoch import lr_at, train_one_epoch
from .validation import validate


def selection_score(args, val: dict, val_ct: dict) -> float:
    """What best.pt is chosen on: the clean slices' mean Dice, or (clean+ct) its mean with the
    same slices' in the stored-CT look, so a model that gets worse on real CT is not kept."""
    if args.select_on == "clean":
        return val["mean_dice"]
    return (val["mean_dice"] + val_ct["mean_dice"]) / 2.0


def run_epochs(*, model, optimizer, ema, data: RunData, args, device, run: RunFolder,
               progress: RunProgress, model_config, config_args: dict, t_start: float) -> str:
    """Runs epochs progress.start_epoch .. args.epochs - 1, updating `progress` in place;
    returns why it stopped."""
    deadline = t_start + args.max_minutes * 60 if args.max_minutes > 0 else None
    stop_reason = "completed"
    title = f"BSNet {run.out.name} ({args.data_stage})"
    for epoch in range(progress.start_epoch, args.epochs):
        lr = lr_at(args, epoch)
        for group in optimizer.param_groups:
            group["lr"] = lr
        loader = epoch_loader(data, args, epoch)
        tr = train_one_epoch(model, loader, optimizer, args, device, epoch, ema)
        progress.images_seen += tr["images"]

        out_of_time = deadline is not None and time.time() >= deadline
        last_epoch = epoch + 1 == args.epochs or out_of_time
        val, val_raw, val_ct, score = None, None, None, None
        if (epoch + 1) % args.val_every == 0 or last_epoch:
            val = validate(ema.model if ema else model, data.val_loader, args, device)
            if ema is not None:
                val_raw = validate(model, data.val_loader, args, device)
            val_ct = validate(ema.model if ema else model, data.val_ct_loader, args, device)
            score = selection_score(args, val, val_ct)
        improved = score is not None and score > progress.best_score
        if improved:
            progress.best_score, progress.best_epoch = score, epoch + 1

        record = epoch_record(epoch, tr, val, val_raw, val_ct, score, lr, progress.images_seen,
                              improved)
        progress.history.append(record)
        train_seconds = progress.prior_seconds + (time.time() - t_start)

        if improved:
            atomic_torch_save(best_checkpoint(model, ema, epoch + 1, val, args, model_config,
                                              config_args), run.best)
        atomic_torch_save(last_checkpoint(model, optimizer, ema, epoch + 1, progress, device,
                                          config_args, model_config, train_seconds), run.last)
        run.append_log(record)
        plot_curves(progress.history, run.curves, title)

        print(epoch_message(epoch, tr, record, val, val_raw, val_ct, improved), flush=True)
        if out_of_time and epoch + 1 < args.epochs:
            stop_reason = f"time budget of {args.max_minutes:g} min reached"
            break
    return stop_reason
