"""The window the labelled covid-semiseg JPEGs look made with, measured from their own gray levels.

A chest CT slice has two tissue peaks in its histogram: aerated lung (about -850 HU) and soft
tissue (muscle and blood, about +40 HU). Their grays in the JPEGs fix the linear map from HU to
gray, which is the window to apply to stored CT so that it looks like the training slices (the
edge's DEFAULT_LUNG_WINDOW). Only train/ images are read (no masks, no test/).

    /usr/bin/python3 models/evaluate/robustness/dataset_window.py [--images DIR]
"""

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

LUNG_HU, SOFT_TISSUE_HU = -850.0, 40.0
STANDARD = (-600.0, 1500.0)


def gray_histogram(images: Path) -> np.ndarray:
    counts = np.zeros(256)
    for path in sorted(images.iterdir()):
        with Image.open(path) as im:
            counts += np.bincount(np.asarray(im.convert("L")).ravel(), minlength=256)
    return counts / counts.sum()


def tissue_peaks(hist: np.ndarray, smooth: int = 9):
    """The lung peak in gray 0..127 and the soft-tissue peak in 128..239 (clipped bone piles up
    at the top, and smoothing spreads it a few grays down)."""
    s = np.convolve(hist, np.ones(smooth) / smooth, "same")
    return int(np.argmax(s[:128])), 128 + int(np.argmax(s[128:240]))


def window_from_peaks(lung_gray: float, soft_gray: float, lung_hu: float = LUNG_HU,
                      soft_hu: float = SOFT_TISSUE_HU):
    """(center, width) of the window that puts lung_hu at lung_gray and soft_hu at soft_gray."""
    width = (soft_hu - lung_hu) * 255.0 / (soft_gray - lung_gray)
    low = lung_hu - lung_gray / 255.0 * width
    return low + width / 2.0, width


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--images", type=Path, default=Path("../shared/data/covid-semiseg/train/images"))
    args = p.parse_args()
    hist = gray_histogram(args.images)
    lung, soft = tissue_peaks(hist)
    cdf = np.cumsum(hist)
    print(f"{args.images}: lung peak gray {lung}, soft-tissue peak gray {soft}, "
          f"darkest 1% below gray {int(np.searchsorted(cdf, 0.01))}")
    for lung_hu, soft_hu in ((LUNG_HU, SOFT_TISSUE_HU), (-850.0, 0.0), (-900.0, 40.0)):
        c, w = window_from_peaks(lung, soft, lung_hu, soft_hu)
        floor = (-1024 - (c - w / 2)) / w * 255
        print(f"  anchors {lung_hu:.0f}/{soft_hu:+.0f} HU: window {c:.0f}/{w:.0f} "
              f"(gray 0 = {c - w / 2:.0f} HU; stored CT's -1024 HU floor at gray {floor:.0f}; "
              f"{100 * cdf[max(0, int(floor))]:.1f}% of pixels below it)")
    c, w = STANDARD
    print(f"  the standard preset {c:.0f}/{w:.0f} reads the lung peak as "
          f"{c - w / 2 + lung / 255 * w:.0f} HU and soft tissue as {c - w / 2 + soft / 255 * w:.0f} HU; "
          f"its -1024 HU floor is gray {(-1024 - (c - w / 2)) / w * 255:.0f} "
          f"({100 * cdf[int((-1024 - (c - w / 2)) / w * 255)]:.1f}% of pixels below it)")


if __name__ == "__main__":
    main()
