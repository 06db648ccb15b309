"""Copy the training data into the repository for a run on the lent GPU machine.

    python3 models/device/pack_data.py [--out .device-data/covid-semiseg] [--limit-mib 64]

The device tool sends the working tree (tracked and untracked, not-ignored files) plus the
paths named in `carry`, 64 MiB in all. The shipped ONNX file alone is 44 MB of that, and
pseudo/ is 37 MB, so not all of pseudo/ fits. This writes all of train/ (the labelled slices and
the validation split) and the largest evenly spaced subset of pseudo/ that fits in what is left:
pseudo/ holds consecutive slices of 20 volumes, so every other slice keeps nearly all of its
variety. The folder is git-ignored; name it in `carry`.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Sequence

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "models"))
from training.data import DEFAULT_DATA_ROOT, list_stems  # noqa: E402

MIB = 1 << 20
MARGIN = 1 * MIB  # transfer metadata, and files that change before the call


def travelling_tree_bytes(repo: Path = REPO) -> int:
    """Bytes of what the device tool always sends: tracked and untracked-not-ignored files."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=repo, check=True, capture_output=True).stdout
    total = 0
    for name in set(out.decode().split("\0")):
        path = repo / name
        if name and path.is_file():  # a deleted tracked file is listed but does not travel
            total += path.stat().st_size
    return total


def item_files(split_dir: Path, stem: str) -> List[Path]:
    files = [p for p in (split_dir / "images" / f"{stem}.jpg", split_dir / "images" / f"{stem}.png",
                         split_dir / "masks" / f"{stem}.png", split_dir / "edges" / f"{stem}.png")
             if p.exists()]
    if not any(p.parent.name == "images" for p in files):
        raise FileNotFoundError(f"no image for {stem} in {split_dir / 'images'}")
    return files


def evenly_spaced(items: Sequence, n: int) -> list:
    if n >= len(items):
        return list(items)
    if n <= 0:
        return []
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def largest_subset(stems: Sequence[str], cost: Dict[str, int], budget: int) -> List[str]:
    """The largest evenly spaced subset of `stems` whose summed cost fits `budget` (binary search
    on the count; the cost of a spaced subset grows with its count, give or take one file)."""
    lo, hi = 0, len(stems)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sum(cost[s] for s in evenly_spaced(stems, mid)) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return evenly_spaced(stems, lo)


def pack(data_root: Path, out: Path, budget: int) -> dict:
    train_dir, pseudo_dir = data_root / "train", data_root / "pseudo"
    train = {s: item_files(train_dir, s) for s in list_stems(train_dir)}
    pseudo = {s: item_files(pseudo_dir, s) for s in list_stems(pseudo_dir)}
    train_bytes = sum(p.stat().st_size for files in train.values() for p in files)
    if train_bytes > budget:
        raise SystemExit(f"train/ alone ({train_bytes / MIB:.1f} MiB) exceeds the budget "
                         f"({budget / MIB:.1f} MiB)")
    cost = {s: sum(p.stat().st_size for p in files) for s, files in pseudo.items()}
    chosen = largest_subset(list(pseudo), cost, budget - train_bytes)
    if out.exists():
        shutil.rmtree(out)
    for split, items in (("train", train), ("pseudo", {s: pseudo[s] for s in chosen})):
        for files in items.values():
            for src in files:
                dst = out / split / src.parent.name / src.name
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst)
    facts = {"train": len(train), "pseudo": len(chosen), "pseudo_of": len(pseudo),
             "bytes": train_bytes + sum(cost[s] for s in chosen), "budget": budget}
    (out / "pack.json").write_text(json.dumps(facts, indent=2) + "\n")
    return facts


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-root", type=Path, default=DEFAULT_DATA_ROOT)
    p.add_argument("--out", type=Path, default=REPO / ".device-data" / "covid-semiseg")
    p.add_argument("--limit-mib", type=float, default=64.0, help="the device tool's limit per call")
    args = p.parse_args(argv)
    out = args.out.resolve()
    if REPO not in out.parents:
        raise SystemExit(f"--out must be inside the repository ({REPO}) to travel")
    rel = os.path.relpath(out, REPO)
    if subprocess.run(["git", "check-ignore", "-q", rel], cwd=REPO).returncode != 0:
        raise SystemExit(f"--out {rel} is not git-ignored: it would travel twice (tree and carry)")
    tree = travelling_tree_bytes()
    budget = int(args.limit_mib * MIB) - tree - MARGIN
    facts = pack(args.data_root, out, budget)
    print(f"tree {tree / MIB:.1f} MiB + data {facts['bytes'] / MIB:.1f} MiB of {args.limit_mib:g} MiB: "
          f"{facts['train']} train/ slices, {facts['pseudo']} of {facts['pseudo_of']} pseudo/ slices -> {rel} "
          f"(carry it: \"{rel.split(os.sep)[0]}\")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
