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
"""

import argparse
import contextlib
import json
import math
import os
import platform
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from bsnet import MIN_INPUT_SIZE, create_model
from bsnet.compact_state import load_checkpoint, load_model_state
from training.augment import PhoneScanAugment
from training.data import (DEFAULT_DATA_ROOT, DEFAULT_SPLIT_FILE, MultiScaleCollate,
                           SegmentationDataset, list_stems, load_validation_split)
from training.losses import PART_NAMES, bsnet_loss
from training.metrics import DiceAccumulator
from training.weight_average import WeightAverage

# Arguments that define the optimisation; a --resume with different values
# is allowed (e.g. more --epochs) but is no longer an exact continuation.
RESUME_CRITICAL = ("seed", "batch", "lr", "clip", "clip_mode", "sizes", "data_stage",
                   "limit_train", "bf16", "channels_last", "no_augment", "decay_epoch",
                   "decay_rate", "val_size", "ema")


# ----------------------------------------------------------------------------- CLI

def parse_sizes(text: str):
    try:
        sizes = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes: not a comma-separated list of ints: {text!r}")
    if not sizes:
        raise argparse.ArgumentTypeError("--sizes: empty")
    for s in sizes:
        if s % 32 or s < MIN_INPUT_SIZE:
            raise argparse.ArgumentTypeError(
                f"--sizes: {s} is not a multiple of 32 >= {MIN_INPUT_SIZE}")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
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
    p.add_argument("--sizes", type=parse_sizes, default="256,352,448",
                   help="training sizes, one drawn per batch")
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


# ------------------------------------------------------------------- small helpers

def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def rng_states(device: torch.device) -> dict:
    # numpy's key array as a list: the checkpoint then holds only tensors and
    # plain Python values (loadable with torch.load(weights_only=True) on 2.x)
    kind, key, pos, has_gauss, gauss = np.random.get_state()
    states = {"torch": torch.get_rng_state(),
              "numpy": (kind, key.tolist(), int(pos), int(has_gauss), float(gauss)),
              "random": random.getstate()}
    if device.type == "cuda":
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def set_rng_states(states: dict) -> None:
    torch.set_rng_state(states["torch"])
    kind, key, pos, has_gauss, gauss = states["numpy"]
    np.random.set_state((kind, np.asarray(key, dtype=np.uint32), pos, has_gauss, gauss))
    random.setstate(states["random"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


def atomic_torch_save(obj, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def cpu_state_dict(model: torch.nn.Module) -> dict:
    # contiguous: a channels_last model's weights load into any model
    return {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}


def fmt_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class ProgressBar:
    """One line per epoch on stderr, redrawn with a carriage return: step,
    loss, images/s, ETA. Redrawn at most every 0.5 s on a terminal, every
    10 s when stderr is a file."""

    def __init__(self, total: int, desc: str, stream=sys.stderr, width: int = 24):
        self.total, self.desc, self.stream, self.width = total, desc, stream, width
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.interval = 0.5 if self.tty else 10.0
        self.last_draw = 0.0
        self.last_len = 0

    def update(self, step: int, loss: float, ips: float, eta: float, force: bool = False):
        now = time.time()
        if not force and now - self.last_draw < self.interval and step < self.total:
            return
        self.last_draw = now
        filled = int(self.width * step / max(1, self.total))
        bar = "#" * filled + "." * (self.width - filled)
        text = (f"{self.desc} [{bar}] {step}/{self.total} loss {loss:.4f} "
                f"{ips:.2f} img/s ETA {fmt_duration(eta)}")
        pad = " " * max(0, self.last_len - len(text))
        self.stream.write("\r" + text + pad)
        self.stream.flush()
        self.last_len = len(text)

    def close(self, note: str = ""):
        if note:
            self.stream.write(" " + note)
        self.stream.write("\n")
        self.stream.flush()


# ------------------------------------------------------------------------ plotting

COLORS = {"loss": (31, 119, 180), "mean_dice": (255, 127, 14), "dice05": (44, 160, 44)}


def _series(history):
    ep = [h["epoch"] for h in history]
    loss = [h["train_loss"] for h in history]
    dice = [(h["epoch"], h["val_mean_dice"]) for h in history if h.get("val_mean_dice") is not None]
    d05 = [(h["epoch"], h["val_dice@0.5"]) for h in history if h.get("val_dice@0.5") is not None]
    return ep, loss, dice, d05


def plot_curves(history, path: Path, title: str) -> None:
    """Training loss (left axis) and validation Dice (right axis, 0..1) per epoch."""
    if not history:
        return
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception:
        plt = None
    tmp = path.with_name(path.stem + ".tmp" + path.suffix)
    if plt is not None:
        ep, loss, dice, d05 = _series(history)
        fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
        ax.plot(ep, loss, "-o", ms=3, color=[c / 255 for c in COLORS["loss"]], label="train loss")
        ax.set_xlabel("epoch")
        ax.set_ylabel("train loss")
        ax2 = ax.twinx()
        if dice:
            ax2.plot(*zip(*dice), "-o", ms=3, color=[c / 255 for c in COLORS["mean_dice"]],
                     label="val mean Dice")
        if d05:
            ax2.plot(*zip(*d05), "--", color=[c / 255 for c in COLORS["dice05"]],
                     label="val Dice@0.5")
        ax2.set_ylim(0, 1)
        ax2.set_ylabel("validation Dice")
        lines = ax.get_lines() + ax2.get_lines()
        ax.legend(lines, [ln.get_label() for ln in lines], loc="center right")
        ax.set_title(title)
        fig.tight_layout()
        fig.savefig(tmp, format="png")
        plt.close(fig)
    else:
        plot_curves_pil(history, title).save(tmp, format="PNG")
    os.replace(tmp, path)


def _nice_ticks(lo: float, hi: float, n: int = 5):
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    start = math.floor(lo / step) * step
    ticks = []
    t = start
    while t <= hi + 1e-9 * step:
        if t >= lo - 1e-9 * step:
            ticks.append(round(t, 10))
        t += step
    return ticks


def plot_curves_pil(history, title: str, width: int = 820, height: int = 480):
    """The same chart drawn with PIL: axes, ticks, two y axes, lines, legend."""
    from PIL import Image, ImageDraw, ImageFont

    ep, loss, dice, d05 = _series(history)
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default()

    def text_size(s):
        box = draw.textbbox((0, 0), s, font=font)
        return box[2] - box[0], box[3] - box[1]

    left, right, top, bottom = 70, width - 70, 40, height - 70
    x_lo, x_hi = min(ep), max(ep)
    if x_hi == x_lo:
        x_lo, x_hi = x_lo - 1, x_hi + 1
    finite = [v for v in loss if v is not None and math.isfinite(v)]
    l_hi = max(finite) * 1.05 if finite else 1.0
    l_ticks = _nice_ticks(0.0, l_hi)
    l_hi = max(l_ticks[-1], l_hi)

    def px(x):
        return left + (x - x_lo) / (x_hi - x_lo) * (right - left)

    def py_loss(v):
        return bottom - v / l_hi * (bottom - top)

    def py_dice(v):
        return bottom - v * (bottom - top)

    grid = (225, 225, 225)
    axis = (60, 60, 60)
    # frame and grid
    for t in l_ticks:
        y = py_loss(t)
        draw.line([(left, y), (right, y)], fill=grid)
        s = f"{t:g}"
        w, h = text_size(s)
        draw.line([(left - 4, y), (left, y)], fill=axis)
        draw.text((left - 8 - w, y - h / 2), s, fill=axis, font=font)
    for t in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        y = py_dice(t)
        draw.line([(right, y), (right + 4, y)], fill=axis)
        draw.text((right + 8, y - text_size("0")[1] / 2), f"{t:.1f}", fill=axis, font=font)
    for t in _nice_ticks(x_lo, x_hi, n=min(10, max(1, int(x_hi - x_lo)))):
        if abs(t - round(t)) > 1e-9:
            continue
        x = px(t)
        draw.line([(x, bottom), (x, bottom + 4)], fill=axis)
        s = f"{int(round(t))}"
        w, _ = text_size(s)
        draw.text((x - w / 2, bottom + 7), s, fill=axis, font=font)
    draw.rectangle([left, top, right, bottom], outline=axis)
    w, _ = text_size("epoch")
    draw.text(((left + right) / 2 - w / 2, bottom + 24), "epoch", fill=axis, font=font)
    draw.text((8, top - 16), "train loss", fill=COLORS["loss"], font=font)
    s = "val Dice"
    draw.text((width - 8 - text_size(s)[0], top - 16), s, fill=COLORS["mean_dice"], font=font)
    w, _ = text_size(title)
    draw.text(((left + right) / 2 - w / 2, 10), title, fill=(0, 0, 0), font=font)

    def polyline(points, color, dashed=False):
        points = [(x, y) for x, y in points if y is not None and math.isfinite(y)]
        if len(points) > 1:
            if dashed:
                for (x0, y0), (x1, y1) in zip(points, points[1:]):
                    n = max(1, int(math.hypot(x1 - x0, y1 - y0) / 6))
                    for i in range(0, n, 2):
                        a, b = i / n, min(1.0, (i + 1) / n)
                        draw.line([(x0 + (x1 - x0) * a, y0 + (y1 - y0) * a),
                                   (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b)], fill=color, width=2)
            else:
                draw.line(points, fill=color, width=2)
        if len(points) <= 60:
            for x, y in points:
                draw.ellipse([x - 2.5, y - 2.5, x + 2.5, y + 2.5], fill=color)

    polyline([(px(e), py_loss(v)) for e, v in zip(ep, loss)], COLORS["loss"])
    polyline([(px(e), py_dice(v)) for e, v in dice], COLORS["mean_dice"])
    polyline([(px(e), py_dice(v)) for e, v in d05], COLORS["dice05"], dashed=True)

    # legend: one row under the chart, clear of the lines
    entries = [("train loss", COLORS["loss"]), ("val mean Dice", COLORS["mean_dice"]),
               ("val Dice@0.5", COLORS["dice05"])]
    widths = [34 + text_size(s)[0] for s, _ in entries]
    gap = 24
    lx = (left + right) / 2 - (sum(widths) + gap * (len(entries) - 1)) / 2
    y = height - 14
    for (s, color), w in zip(entries, widths):
        draw.line([(lx, y), (lx + 24, y)], fill=color, width=3)
        draw.text((lx + 30, y - text_size(s)[1] / 2 - 1), s, fill=(0, 0, 0), font=font)
        lx += w + gap
    return img


# ------------------------------------------------------------------- train / eval

def autocast_context(device: torch.device, bf16: bool):
    if not bf16:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)


def lr_at(args, epoch: int) -> float:
    if args.decay_epoch > 0:
        return args.lr * args.decay_rate ** (epoch // args.decay_epoch)
    return args.lr


def to_device(x: torch.Tensor, device: torch.device, channels_last: bool) -> torch.Tensor:
    x = x.to(device, non_blocking=True)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    return x


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


# ---------------------------------------------------------------------------- main

def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.epochs < 1 or args.batch < 1 or args.val_every < 1 or args.threads < 1:
        raise SystemExit("--epochs, --batch, --val-every and --threads must be >= 1")
    if not 0.0 <= args.ema < 1.0:
        raise SystemExit("--ema must be in [0, 1)")
    if args.val_size % 32 or args.val_size < MIN_INPUT_SIZE:
        raise SystemExit(f"--val-size must be a multiple of 32 >= {MIN_INPUT_SIZE}")
    t_start = time.time()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    last_path, best_path = out / "last.pt", out / "best.pt"
    if args.resume and not last_path.exists():
        raise SystemExit(f"--resume: no checkpoint at {last_path}")
    if not args.resume and last_path.exists():
        raise SystemExit(f"{last_path} exists: pass --resume to continue that run, "
                         "or choose a new --out")

    device = torch.device(args.device)
    torch.set_num_threads(args.threads)
    seed_everything(args.seed)

    # data
    root = Path(args.data_root)
    train_stems_l, val_stems = load_validation_split(root / "train", args.split_file)
    if args.data_stage == "labelled":
        train_dir, train_stems = root / "train", train_stems_l
    else:
        train_dir, train_stems = root / "pseudo", list_stems(root / "pseudo")
    if 0 < args.limit_train < len(train_stems):
        # Evenly spaced, not the first N: pseudo/ is sorted by volume, so a prefix is one patient.
        step = len(train_stems) / args.limit_train
        train_stems = [train_stems[int(i * step)] for i in range(args.limit_train)]

    model = create_model()
    cfg = model.config
    augment = None if args.no_augment else PhoneScanAugment()
    train_set = SegmentationDataset(train_dir, train_stems, cfg.mean, cfg.std, augment=augment,
                                    seed=args.seed)
    val_set = SegmentationDataset(root / "train", val_stems, cfg.mean, cfg.std)
    loader_kw = dict(num_workers=args.workers, pin_memory=device.type == "cuda")
    val_loader = DataLoader(val_set, batch_size=args.batch, shuffle=False,
                            collate_fn=MultiScaleCollate((args.val_size,), keep_originals=True),
                            **loader_kw)
    train_collate = MultiScaleCollate(args.sizes, seed=args.seed)

    # model and optimizer
    if args.init and not args.resume:
        model.load_state_dict(load_model_state(args.init), strict=True)
    model.to(device)
    if args.channels_last:
        model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    # made from the starting weights; a --resume overwrites it from last.pt below
    ema = WeightAverage(model, args.ema) if args.ema > 0 else None

    start_epoch, best_score, best_epoch, history, images_seen = 0, -1.0, 0, [], 0
    prior_seconds = 0.0
    if args.resume:
        ckpt = load_checkpoint(last_path)
        model.load_state_dict(ckpt["model"], strict=True)
        optimizer.load_state_dict(ckpt["optimizer"])
        if ema is not None:
            if "ema" not in ckpt:
                raise SystemExit(f"--resume with --ema: {last_path} holds no weight average")
            ema.load_state_dict(ckpt["ema"])
        start_epoch = ckpt["epoch"]
        best_score, best_epoch = ckpt["best_score"], ckpt["best_epoch"]
        history, images_seen = ckpt["history"], ckpt["images_seen"]
        prior_seconds = ckpt.get("train_seconds", 0.0)
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
        atomic_write_text(out / "log.jsonl", "".join(json.dumps(h) + "\n" for h in history))
        print(f"resumed {last_path} at epoch {start_epoch} (best val mean Dice "
              f"{best_score:.4f} at epoch {best_epoch})")
        if args.init:
            print("note: --init is ignored with --resume (weights come from last.pt)",
                  file=sys.stderr)
        del ckpt
    else:
        # a fresh run: no stale lines from a run that never finished an epoch
        atomic_write_text(out / "log.jsonl", "")

    config = {
        "args": {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(args).items()},
        "argv": sys.argv,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "device": str(device),
        "threads": torch.get_num_threads(),
        "model_config": cfg.to_dict(),
        "data_root": str(root),
        "train_dir": str(train_dir),
        "counts": {"train": len(train_set), "val": len(val_set),
                   "train_split_of_train": len(train_stems_l)},
        "split": {"file": str(args.split_file), "val": val_stems, "train": train_stems_l},
        "train_stems": train_stems if args.data_stage == "labelled" else
        f"{len(train_stems)} stems of pseudo/ (natural order)",
        "resumed_from_epoch": start_epoch if args.resume else None,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    atomic_write_text(out / "config.json", json.dumps(config, indent=2) + "\n")

    print(f"BSNet training: {args.data_stage} stage, {len(train_set)} training / "
          f"{len(val_set)} validation images, sizes {list(args.sizes)}, batch {args.batch}, "
          f"lr {args.lr}, {'bf16' if args.bf16 else 'fp32'}"
          f"{', channels_last' if args.channels_last else ''}, {torch.get_num_threads()} "
          f"threads, device {device}, torch {torch.__version__}")
    if start_epoch >= args.epochs:
        print(f"nothing to do: already at epoch {start_epoch} of {args.epochs}")

    deadline = t_start + args.max_minutes * 60 if args.max_minutes > 0 else None
    stop_reason = "completed"
    title = f"BSNet {out.name} ({args.data_stage})"
    epoch = start_epoch
    try:
        for epoch in range(start_epoch, args.epochs):
            lr = lr_at(args, epoch)
            for group in optimizer.param_groups:
                group["lr"] = lr
            train_set.set_epoch(epoch)
            order = np.random.default_rng([args.seed, epoch, 1]).permutation(len(train_set))
            loader = DataLoader(train_set, batch_size=args.batch, sampler=order.tolist(),
                                collate_fn=train_collate, **loader_kw)
            tr = train_one_epoch(model, loader, optimizer, args, device, epoch, ema)
            images_seen += tr["images"]

            out_of_time = deadline is not None and time.time() >= deadline
            last_epoch = epoch + 1 == args.epochs or out_of_time
            val, val_raw = None, None
            if (epoch + 1) % args.val_every == 0 or last_epoch:
                val = validate(ema.model if ema else model, val_loader, args, device)
                if ema is not None:
                    val_raw = validate(model, val_loader, args, device)
            improved = val is not None and val["mean_dice"] > best_score
            if improved:
                best_score, best_epoch = val["mean_dice"], epoch + 1

            record = {
                "epoch": epoch + 1,
                "seconds": round(tr["seconds"] + (val["seconds"] if val else 0.0), 2),
                "train_seconds": round(tr["seconds"], 2),
                "train_loss": tr["loss"]["total"],
                "train_parts": {k: tr["loss"][k] for k in PART_NAMES},
                "val_mean_dice": val["mean_dice"] if val else None,
                "val_dice@0.5": val["dice@0.5"] if val else None,
                "val_loss": val["loss"] if val else None,
                **({"val_mean_dice_raw": val_raw["mean_dice"]} if val_raw else {}),
                "lr": lr,
                "images_seen": images_seen,
                "images_per_second": round(tr["images"] / max(tr["seconds"], 1e-9), 3),
                "size_counts": tr["size_counts"],
                "skipped_steps": tr["skipped_steps"],
                "best": improved,
            }
            history.append(record)
            train_seconds = prior_seconds + (time.time() - t_start)

            if improved:
                atomic_torch_save({
                    "model": cpu_state_dict(ema.model if ema else model), "epoch": epoch + 1,
                    "weights": f"moving average, decay {args.ema}" if ema else "raw",
                    "val_mean_dice": val["mean_dice"], "val_dice@0.5": val["dice@0.5"],
                    "val_per_image": val["per_image"], "model_config": cfg.to_dict(),
                    "args": config["args"], "torch": torch.__version__,
                }, best_path)
            atomic_torch_save({
                "model": cpu_state_dict(model), "optimizer": optimizer.state_dict(),
                "epoch": epoch + 1, "best_score": best_score, "best_epoch": best_epoch,
                "history": history, "images_seen": images_seen, "rng": rng_states(device),
                "args": config["args"], "model_config": cfg.to_dict(),
                "train_seconds": train_seconds, "torch": torch.__version__,
                **({"ema": ema.state_dict()} if ema else {}),
            }, last_path)
            with open(out / "log.jsonl", "a") as f:
                f.write(json.dumps(record) + "\n")
            plot_curves(history, out / "curves.png", title)

            parts_text = " ".join(f"{k} {tr['loss'][k]:.3f}" for k in PART_NAMES)
            msg = (f"epoch {epoch + 1}: loss {tr['loss']['total']:.4f} ({parts_text}), "
                   f"{record['images_per_second']:.2f} img/s")
            if val:
                msg += (f", val mean Dice {val['mean_dice']:.4f}, Dice@0.5 {val['dice@0.5']:.4f}"
                        f", val loss {val['loss']:.4f}"
                        + (f" (raw weights {val_raw['mean_dice']:.4f})" if val_raw else "")
                        + (" *best*" if improved else ""))
            print(msg, flush=True)
            if out_of_time and epoch + 1 < args.epochs:
                stop_reason = f"time budget of {args.max_minutes:g} min reached"
                break
    except KeyboardInterrupt:
        print(f"\ninterrupted: {last_path} holds the last finished epoch; "
              "run again with --resume to continue", file=sys.stderr)
        return 130

    done_epochs = history[-1]["epoch"] if history else 0
    minutes = (time.time() - t_start) / 60
    total_minutes = (prior_seconds + time.time() - t_start) / 60
    print("=" * 72)
    print(f"run {out}: {stop_reason}; {done_epochs}/{args.epochs} epochs, "
          f"{images_seen} images seen")
    if best_epoch:
        best = next(h for h in history if h["epoch"] == best_epoch)
        print(f"best epoch {best_epoch}: val mean Dice {best_score:.4f}, "
              f"Dice@0.5 {best['val_dice@0.5']:.4f} -> {best_path}")
    else:
        print("no validation yet: no best.pt")
    print(f"time: {minutes:.1f} min this invocation, {total_minutes:.1f} min in total")
    print(f"files: {last_path}, {out / 'log.jsonl'}, {out / 'curves.png'}, {out / 'config.json'}")
    return 0


def _norm(v):
    return list(v) if isinstance(v, tuple) else v


if __name__ == "__main__":
    sys.exit(main())
