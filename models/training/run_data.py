"""The data of a training run: which stems it trains on (the labelled train/ slices outside the
validation split, or every pseudo/ slice, thinned evenly by --limit-train), the datasets and the
validation loader built from them, and each epoch's training loader in its seeded order.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from torch.utils.data import DataLoader

from .augment import AugmentConfig, PhoneScanAugment, stored_ct_look
from .data import MultiScaleCollate, SegmentationDataset, list_stems, load_validation_split


@dataclass
class TrainingStems:
    root: Path
    train_dir: Path
    train_stems: list
    # the train/ stems outside the validation split (what --data-stage labelled trains on)
    labelled_stems: list
    val_stems: list


def choose_stems(args) -> TrainingStems:
    """Reads (or, when missing, writes) the validation split and picks the training stems."""
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
    return TrainingStems(root, train_dir, train_stems, train_stems_l, val_stems)


@dataclass
class RunData:
    stems: TrainingStems
    train_set: SegmentationDataset
    val_set: SegmentationDataset
    val_loader: DataLoader
    # the same slices in the stored-CT look (stored_ct_look), validated beside the clean ones
    val_ct_loader: DataLoader
    train_collate: MultiScaleCollate
    loader_kw: dict


def build_run_data(args, stems: TrainingStems, cfg, device) -> RunData:
    """Datasets normalised with the model config's mean/std; validation at --val-size only."""
    augment = None if args.no_augment else PhoneScanAugment(AugmentConfig(p_ct=args.ct_look_p))
    train_set = SegmentationDataset(stems.train_dir, stems.train_stems, cfg.mean, cfg.std,
                                    augment=augment, seed=args.seed)
    val_set = SegmentationDataset(stems.root / "train", stems.val_stems, cfg.mean, cfg.std)
    loader_kw = dict(num_workers=args.workers, pin_memory=device.type == "cuda")
    val_loader = DataLoader(val_set, batch_size=args.batch, shuffle=False,
                            collate_fn=MultiScaleCollate((args.val_size,), keep_originals=True),
                            **loader_kw)
    val_ct_set = SegmentationDataset(stems.root / "train", stems.val_stems, cfg.mean, cfg.std,
                                     augment=stored_ct_look())
    val_ct_loader = DataLoader(val_ct_set, batch_size=args.batch, shuffle=False,
                               collate_fn=MultiScaleCollate((args.val_size,), keep_originals=True),
                               **loader_kw)
    train_collate = MultiScaleCollate(args.sizes, seed=args.seed)
    return RunData(stems, train_set, val_set, val_loader, val_ct_loader, train_collate, loader_kw)


def epoch_loader(data: RunData, args, epoch: int) -> DataLoader:
    """The training loader of one epoch: its order and augmentations depend on (seed, epoch)
    only, so a --resume draws the same batches as an uninterrupted run."""
    data.train_set.set_epoch(epoch)
    order = np.random.default_rng([args.seed, epoch, 1]).permutation(len(data.train_set))
    return DataLoader(data.train_set, batch_size=args.batch, sampler=order.tolist(),
                      collate_fn=data.train_collate, **data.loader_kw)
