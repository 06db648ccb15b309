"""The training CLI's command line: every flag, its default and help, and the checks that
argparse's types cannot make. models/train.py passes in the model facts the checks need
(MIN_INPUT_SIZE), so this module does not import the model package.
"""

import argparse
import functools

from .data import DEFAULT_DATA_ROOT, DEFAULT_SPLIT_FILE


def parse_sizes(text: str, min_size: int):
    """--sizes as a tuple of ints, each a multiple of 32 and at least min_size."""
    try:
        sizes = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes: not a comma-separated list of ints: {text!r}")
    if not sizes:
        raise argparse.ArgumentTypeError("--sizes: empty")
    for s in sizes:
        if s % 32 or s < min_size:
            raise argparse.ArgumentTypeError(
                f"--sizes: {s} is not a multiple of 32 >= {min_size}")
    return sizes


def build_parser(description: str, min_input_size: int) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--out", required=True, help="run folder (created)")
    p.add_argument("--epochs", type=int, default=100, help="total epochs (a --resume may raise it)")
    p.add_argument("--batch", type=int, default=4, help="batch size")
    p.add_argument("--lr", type=float, default=1e-4, help="Adam learning rate")
    p.add_argument("--clip", type=float, default=0.5,
                   help="gradient clipping threshold (0 = off)")
    p.add_argument("--clip-mode", choices=("norm", "value"), default="norm",
                   help="norm: clip the total gradient norm; value: clamp each element "
                        "to +-clip (what Inf-Net's clip_gradient does)")
    p.add_argument("--decay-epoch", type=int, default=0,
                   help="multiply lr by --decay-rate every this many epochs (0 = constant lr)")
    p.add_argument("--decay-rate", type=float, default=0.1, help="see --decay-epoch")
    p.add_argument("--seed", type=int, default=0,
                   help="seeds torch/numpy/random, the data order and the augmentations")
    p.add_argument("--sizes", type=functools.partial(parse_sizes, min_size=min_input_size),
                   default="256,352,448", help="training sizes, one drawn per batch")
    p.add_argument("--val-size", type=int, default=352, help="validation input size")
    p.add_argument("--bf16", action="store_true", help="bfloat16 autocast")
    p.add_argument("--channels-last", action="store_true", help="channels_last memory format")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N")
    p.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    p.add_argument("--init", default=None,
                   help="checkpoint whose model weights to start from (strict)")
    p.add_argument("--data-stage", choices=("labelled", "pseudo"), default="labelled",
                   help="labelled: the 40 train/ slices outside the validation split; "
                        "pseudo: all pseudo/ slices with their soft labels")
    p.add_argument("--data-root", default=str(DEFAULT_DATA_ROOT), help="covid-semiseg folder")
    p.add_argument("--split-file", default=str(DEFAULT_SPLIT_FILE),
                   help="validation stems of train/ (created if missing)")
    p.add_argument("--limit-train", type=int, default=0,
                   help="use only the first N training items (0 = all); for smoke tests")
    p.add_argument("--no-augment", action="store_true", help="turn the augmentations off")
    p.add_argument("--ct-look-p", type=float, default=0.5,
                   help="probability of the stored-CT look (air clipped near -1024 HU, window "
                        "jitter; models/training/augment.py); 0 = the photo augmentations only, "
                        "as 1.0.0-1.2.0 were trained")
    p.add_argument("--select-on", choices=("clean", "clean+ct"), default="clean+ct",
                   help="what best.pt is chosen on: the validation slices' mean Dice (clean, how "
                        "1.0.0-1.2.0 were chosen) or its mean with the same slices in the "
                        "stored-CT look")
    p.add_argument("--max-minutes", type=float, default=0,
                   help="stop after the epoch in which this wall-clock budget runs out (0 = none)")
    p.add_argument("--val-every", type=int, default=1,
                   help="validate every N epochs (and always on the last one)")
    p.add_argument("--resume", action="store_true", help="continue from --out/last.pt")
    p.add_argument("--ema", type=float, default=0.0,
                   help="decay of an exponential moving average of the weights, updated every "
                        "step; when on, the average is what is validated, selected and saved "
                        "as best.pt, and the raw weights' Dice is logged beside it (0 = off)")
    return p


def check_args(args, min_input_size: int) -> None:
    """Exits with a message naming the flag when a value is out of range."""
    if args.epochs < 1 or args.batch < 1 or args.val_every < 1 or args.threads < 1:
        raise SystemExit("--epochs, --batch, --val-every and --threads must be >= 1")
    if not 0.0 <= args.ct_look_p <= 1.0:
        raise SystemExit("--ct-look-p must be in [0, 1]")
    if not 0.0 <= args.ema < 1.0:
        raise SystemExit("--ema must be in [0, 1)")
    if args.val_size % 32 or args.val_size < min_input_size:
        raise SystemExit(f"--val-size must be a multiple of 32 >= {min_input_size}")
