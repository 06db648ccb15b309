"""The run folder (--out) and its files: last.pt, best.pt, log.jsonl, curves.png and
config.json. A fresh run refuses a folder that already holds last.pt, a --resume one that does
not; every file is written whole (temporary file, then rename) so a run killed mid-write leaves
the previous version, never half of one.
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path

import torch


def atomic_torch_save(obj, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


@dataclass(frozen=True)
class RunFolder:
    out: Path

    @property
    def last(self) -> Path:
        return self.out / "last.pt"

    @property
    def best(self) -> Path:
        return self.out / "best.pt"

    @property
    def log(self) -> Path:
        return self.out / "log.jsonl"

    @property
    def curves(self) -> Path:
        return self.out / "curves.png"

    @property
    def config(self) -> Path:
        return self.out / "config.json"

    def rewrite_log(self, history) -> None:
        """log.jsonl as exactly these records, one JSON line each."""
        atomic_write_text(self.log, "".join(json.dumps(h) + "\n" for h in history))

    def append_log(self, record) -> None:
        with open(self.log, "a") as f:
            f.write(json.dumps(record) + "\n")

    def write_config(self, config: dict) -> None:
        atomic_write_text(self.config, json.dumps(config, indent=2) + "\n")


def prepare_run_folder(out: Path, resume: bool) -> RunFolder:
    """Creates --out, and exits when its last.pt does not fit --resume (or its absence)."""
    out.mkdir(parents=True, exist_ok=True)
    run = RunFolder(out)
    if resume and not run.last.exists():
        raise SystemExit(f"--resume: no checkpoint at {run.last}")
    if not resume and run.last.exists():
        raise SystemExit(f"{run.last} exists: pass --resume to continue that run, "
                         "or choose a new --out")
    return run
