"""Write the int8 compact form of a training checkpoint (bsnet/compact_state.py).

    python3 models/compact_checkpoint.py RUN/best.pt OUT.pt

The output holds the model weights (int8 per output channel, BN and biases fp32) and the
checkpoint's small metadata (epoch, validation scores, args); no optimizer state. train.py --init
and export.py --checkpoint read it like a full checkpoint.
"""

import argparse
import sys
from pathlib import Path

import torch

from bsnet.compact_state import compact_state_dict, load_checkpoint, model_state

KEEP = ("epoch", "val_mean_dice", "val_dice@0.5", "weights", "model_config", "args", "torch")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("checkpoint", type=Path)
    p.add_argument("out", type=Path)
    args = p.parse_args(argv)
    ckpt = load_checkpoint(args.checkpoint)
    out = {"model": compact_state_dict(model_state(ckpt)), **{k: ckpt[k] for k in KEEP if k in ckpt}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(out, args.out)
    print(f"{args.out}: {args.out.stat().st_size / 1e6:.1f} MB (from {args.checkpoint.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
