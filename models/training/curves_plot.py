"""curves.png: training loss (left axis) and validation Dice (right axis) per epoch, drawn
with matplotlib when it is installed and with PIL otherwise.
"""

import math
import os
from pathlib import Path

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
