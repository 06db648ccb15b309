"""covid-semiseg data for training BSNet: image/mask/edge triplets, the fixed
train/validation split of train/, and the multi-scale batch collate.

Layout (see ../shared/data/README.md):
    <root>/{train,test,pseudo}/images/<stem>.jpg   8-bit gray
    <root>/{train,test,pseudo}/masks/<stem>.png    0/255 (pseudo: soft 0..255)
    <root>/{train,pseudo}/edges/<stem>.png         boundary maps

Model selection uses only the validation split carved from train/ (10 of the
50 slices, stems listed in models/splits/covid-semiseg-val.txt); test/ is for
the final report and is never read here.
"""

import os
import re
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch.utils.data import Dataset

MODELS_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = MODELS_DIR.parent
# The data sits next to the repository, never inside it; COVID_SEMISEG_DIR overrides.
DEFAULT_DATA_ROOT = Path(os.environ.get(
    "COVID_SEMISEG_DIR", REPO_ROOT.parent / "shared" / "data" / "covid-semiseg"))
DEFAULT_SPLIT_FILE = MODELS_DIR / "splits" / "covid-semiseg-val.txt"
# Seed of the validation split; the committed split file is the source of
# truth (a future numpy could draw differently from the same seed).
SPLIT_SEED = 2022
N_VAL = 10

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def natural_key(stem: str):
    """Sort key that orders '2' before '10' and 'x_2' before 'x_10'."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.split(r"(\d+)", stem) if part != ""]


def list_stems(split_dir) -> List[str]:
    """Stems of split_dir/images/*, in natural order."""
    images = Path(split_dir) / "images"
    if not images.is_dir():
        raise FileNotFoundError(f"no images folder at {images}")
    stems = [p.stem for p in images.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
    return sorted(stems, key=natural_key)


def make_validation_split(stems: Sequence[str], n_val: int = N_VAL,
                          seed: int = SPLIT_SEED) -> Tuple[List[str], List[str]]:
    """(train_stems, val_stems): n_val stems drawn without replacement with a
    fixed-seed numpy Generator from the naturally sorted stems; both lists
    come back in natural order."""
    ordered = sorted(set(stems), key=natural_key)
    if not 0 < n_val < len(ordered):
        raise ValueError(f"cannot hold out {n_val} of {len(ordered)} stems")
    rng = np.random.default_rng(seed)
    picked = set(ordered[i] for i in rng.choice(len(ordered), size=n_val, replace=False))
    return ([s for s in ordered if s not in picked], [s for s in ordered if s in picked])


def read_split_file(path) -> List[str]:
    lines = Path(path).read_text().splitlines()
    return [s.strip() for s in lines if s.strip() and not s.lstrip().startswith("#")]


def write_split_file(path, val_stems: Sequence[str]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(f"{s}\n" for s in val_stems))
    os.replace(tmp, path)


def load_validation_split(train_dir=None, split_file=DEFAULT_SPLIT_FILE, n_val: int = N_VAL,
                          seed: int = SPLIT_SEED, create: bool = True
                          ) -> Tuple[List[str], List[str]]:
    """(train_stems, val_stems) of train/. Reads the split file; if it does
    not exist and `create`, draws the split (make_validation_split) and
    writes it. Every listed stem must exist in train/."""
    train_dir = Path(train_dir) if train_dir is not None else DEFAULT_DATA_ROOT / "train"
    stems = list_stems(train_dir)
    split_file = Path(split_file)
    if split_file.exists():
        val = read_split_file(split_file)
        missing = sorted(set(val) - set(stems), key=natural_key)
        if missing:
            raise ValueError(f"{split_file}: stems not in {train_dir}: {missing}")
        if len(set(val)) != len(val):
            raise ValueError(f"{split_file}: duplicate stems")
        val = sorted(val, key=natural_key)
        train = [s for s in stems if s not in set(val)]
        return train, val
    if not create:
        raise FileNotFoundError(f"no split file at {split_file}")
    train, val = make_validation_split(stems, n_val, seed)
    write_split_file(split_file, val)
    return train, val


def _load_gray(path: Path) -> Image.Image:
    with Image.open(path) as im:
        return im.convert("L") if im.mode != "L" else im.copy()


class SegmentationDataset(Dataset):
    """Items are dicts:
        image: 3 x H x W float32, gray repeated to 3 channels, scaled to 0..1
               and normalised with `mean`/`std`
        mask, edge: 1 x H x W float32 in 0..1 (soft pseudo labels kept as-is;
               edge is zeros when the split has no edges/ folder)
        index, epoch, stem
    H x W is the file's own size (or the augmented one); resizing to the
    network size happens in MultiScaleCollate.

    `augment(image, mask, edge, rng)` takes PIL "L" images and returns float32
    arrays in 0..1; its Generator is seeded with (seed, epoch, 0, index), so an
    item's augmentation depends only on those three numbers: reproducible,
    independent of loader workers, and exact across --resume.
    """

    def __init__(self, split_dir, stems: Sequence[str], mean: Sequence[float],
                 std: Sequence[float], augment: Optional[Callable] = None, seed: int = 0):
        self.split_dir = Path(split_dir)
        self.stems = list(stems)
        self.mean = torch.tensor(mean, dtype=torch.float32).view(3, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32).view(3, 1, 1)
        self.augment = augment
        self.seed = int(seed)
        self.epoch = 0
        self.has_edges = (self.split_dir / "edges").is_dir()
        self._image_paths = {}
        for stem in self.stems:
            for suffix in IMAGE_SUFFIXES:
                p = self.split_dir / "images" / f"{stem}{suffix}"
                if p.exists():
                    self._image_paths[stem] = p
                    break
            else:
                raise FileNotFoundError(f"no image for {stem!r} in {self.split_dir / 'images'}")

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.stems)

    def load(self, index: int) -> Tuple[Image.Image, Image.Image, Optional[Image.Image]]:
        stem = self.stems[index]
        image = _load_gray(self._image_paths[stem])
        mask = _load_gray(self.split_dir / "masks" / f"{stem}.png")
        edge = _load_gray(self.split_dir / "edges" / f"{stem}.png") if self.has_edges else None
        if mask.size != image.size or (edge is not None and edge.size != image.size):
            raise ValueError(f"{stem}: image, mask and edge sizes differ")
        return image, mask, edge

    def __getitem__(self, index: int) -> Dict:
        image, mask, edge = self.load(index)
        if self.augment is not None:
            rng = np.random.default_rng([self.seed, self.epoch, 0, index])
            img_a, mask_a, edge_a = self.augment(image, mask, edge, rng)
        else:
            img_a = np.asarray(image, dtype=np.float32) / 255.0
            mask_a = np.asarray(mask, dtype=np.float32) / 255.0
            edge_a = None if edge is None else np.asarray(edge, dtype=np.float32) / 255.0
        if edge_a is None:
            edge_a = np.zeros_like(mask_a)
        img = torch.from_numpy(np.ascontiguousarray(img_a, dtype=np.float32))[None]
        img = (img.expand(3, -1, -1) - self.mean) / self.std
        return {
            "image": img.contiguous(),
            "mask": torch.from_numpy(np.ascontiguousarray(mask_a, dtype=np.float32))[None],
            "edge": torch.from_numpy(np.ascontiguousarray(edge_a, dtype=np.float32))[None],
            "index": index,
            "epoch": self.epoch,
            "stem": self.stems[index],
        }


def resize_map(x: torch.Tensor, size: int) -> torch.Tensor:
    """C x H x W -> C x size x size, plain bilinear with half-pixel centres.

    No antialiasing: the product resizes uploads with shared/image/resize-bilinear.ts (OpenCV's
    INTER_LINEAR), and the network must see at training time what it will see when serving.
    """
    if tuple(x.shape[-2:]) == (size, size):
        return x
    return F.interpolate(x[None], size=(size, size), mode="bilinear", align_corners=False)[0]


class MultiScaleCollate:
    """Stacks items resized to one square size per batch.

    The size is drawn from `sizes` by a Generator seeded with (seed, epoch, 2,
    the batch's item indices), so it is random per batch yet reproducible.
    Image, mask and edge are all resized bilinearly; mask and edge stay soft
    (clamped to 0..1). With keep_originals, the batch also carries the
    unresized masks (list of 1 x H x W) for scoring at the original size.
    """

    def __init__(self, sizes: Sequence[int] = (256, 352, 448), seed: int = 0,
                 keep_originals: bool = False):
        if not sizes:
            raise ValueError("MultiScaleCollate needs at least one size")
        self.sizes = tuple(int(s) for s in sizes)
        self.seed = int(seed)
        self.keep_originals = keep_originals

    def pick_size(self, items: Sequence[Dict]) -> int:
        if len(self.sizes) == 1:
            return self.sizes[0]
        rng = np.random.default_rng([self.seed, int(items[0]["epoch"]), 2,
                                     *(int(it["index"]) for it in items)])
        return self.sizes[int(rng.integers(len(self.sizes)))]

    def __call__(self, items: Sequence[Dict]) -> Dict:
        size = self.pick_size(items)
        batch = {
            "image": torch.stack([resize_map(it["image"], size) for it in items]),
            "mask": torch.stack([resize_map(it["mask"], size) for it in items]).clamp_(0, 1),
            "edge": torch.stack([resize_map(it["edge"], size) for it in items]).clamp_(0, 1),
            "size": size,
            "stems": [it["stem"] for it in items],
            "index": [it["index"] for it in items],
        }
        if self.keep_originals:
            batch["orig_masks"] = [it["mask"] for it in items]
        return batch
