"""Train BSNet on covid-semiseg (labelled train/ slices, or Semi-Inf-Net's pseudo/ labels).

    python3 models/train.py --out models/runs/NAME [--epochs 100] [--batch 4] [--lr 1e-4]
        [--clip 0.5] [--seed 0] [--sizes 256,352,448] [--bf16] [--channels-last]
        [--threads 2] [--init CKPT] [--data-stage labelled|pseudo] [--max-minutes M]
        [--val-every 1] [--resume] [--limit-train N] [--ema DECAY]

Recipe (Inf-Net's trainer, BSNet's outputs): Adam, lr 1e-4, gradient clipping
0.5, multi-scale batches at 256/352/448, structure loss on S5..S2 + BCE on
the edge map. Model selection: mean Dice (256 thresholds) on the fixed
validation split of train/ (models/splits/covid-semiseg-val.txt), at 352;
test/ is never read. Semi-supervised: train with --data-stage pseudo, then
--data-stage labelled --init <pseudo run>/best.pt (or last.pt).

Writes into --out: last.pt (every epoch; model, optimizer, epoch, rng states,
best score, history), best.pt (when validation mean Dice improves),
log.jsonl (one line per epoch), curves.png, config.json.

The pieces live in models/training/: cli_args (flags), run_files (the run
folder, atomic writes), run_data (stems, datasets, loaders), checkpoints
(last.pt/best.pt, --resume), epoch_loop (train, validate, keep best),
train_epoch, validation, run_report (log lines, console), curves_plot.
"""

import sys
import time
from pathlib import Path

import torch

from bsnet import MIN_INPUT_SIZE, create_model
from bsnet.compact_state import load_checkpoint, load_model_state
from training.checkpoints import RunProgress, resume_run
from training.cli_args import build_parser, check_args
from training.epoch_loop import run_epochs
from training.rng_state import seed_everything
from training.run_config import run_config
from training.run_data import build_run_data, choose_stems
from training.run_files import prepare_run_folder
from training.run_report import print_banner, print_summary
from training.weight_average import WeightAverage


def main(argv=None) -> int:
    args = build_parser(__doc__.split("\n\n")[0], MIN_INPUT_SIZE).parse_args(argv)
    check_args(args, MIN_INPUT_SIZE)
    t_start = time.time()
    run = prepare_run_folder(Path(args.out), args.resume)

    device = torch.device(args.device)
    torch.set_num_threads(args.threads)
    seed_everything(args.seed)

    # the split is read (or written) before the model draws its random initial weights
    stems = choose_stems(args)
    model = create_model()
    cfg = model.config
    data = build_run_data(args, stems, cfg, device)

    if args.init and not args.resume:
        model.load_state_dict(load_model_state(args.init), strict=True)
    model.to(device)
    if args.channels_last:
        model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    # made from the starting weights; a --resume overwrites it from last.pt below
    ema = WeightAverage(model, args.ema) if args.ema > 0 else None

    if args.resume:
        progress = resume_run(load_checkpoint(run.last), model, optimizer, ema, args, run)
    else:
        progress = RunProgress()
        # a fresh run: no stale lines from a run that never finished an epoch
        run.rewrite_log([])

    config = run_config(args, device, cfg, data, progress.start_epoch)
    run.write_config(config)
    print_banner(args, data, device, progress.start_epoch)

    try:
        stop_reason = run_epochs(model=model, optimizer=optimizer, ema=ema, data=data, args=args,
                                 device=device, run=run, progress=progress, model_config=cfg,
                                 config_args=config["args"], t_start=t_start)
    except KeyboardInterrupt:
        print(f"\ninterrupted: {run.last} holds the last finished epoch; "
              "run again with --resume to continue", file=sys.stderr)
        return 130

    print_summary(run, args, stop_reason, progress, t_start)
    return 0


if __name__ == "__main__":
    sys.exit(main())
