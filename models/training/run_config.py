"""config.json: what a run was started with (arguments, argv, versions, platform, device,
threads, model config, data folders, the split and the training stems), written at every start
so a run's records say how they were made.
"""

import platform
import sys
import time

import numpy as np
import torch

from .run_data import RunData


def run_config(args, device, model_config, data: RunData, start_epoch: int) -> dict:
    stems = data.stems
    return {
        "args": {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(args).items()},
        "argv": sys.argv,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "device": str(device),
        "threads": torch.get_num_threads(),
        "model_config": model_config.to_dict(),
        "data_root": str(stems.root),
        "train_dir": str(stems.train_dir),
        "counts": {"train": len(data.train_set), "val": len(data.val_set),
                   "train_split_of_train": len(stems.labelled_stems)},
        "split": {"file": str(args.split_file), "val": stems.val_stems,
                  "train": stems.labelled_stems},
        "train_stems": stems.train_stems if args.data_stage == "labelled" else
        f"{len(stems.train_stems)} stems of pseudo/ (natural order)",
        "resumed_from_epoch": start_epoch if args.resume else None,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
