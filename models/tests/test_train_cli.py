"""One real epoch of models/train.py on two labelled slices at the minimum input size: the run
writes its log with the clean and the stored-CT validation, and chooses best.pt on their mean
(--select-on clean+ct). Slow (~1 min on 2 cores): the real network, the real data."""

import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import torch

from models.bsnet import MIN_INPUT_SIZE
from models.training.data import DEFAULT_DATA_ROOT

REPO = Path(__file__).resolve().parents[2]


@unittest.skipUnless((Path(DEFAULT_DATA_ROOT) / "train").is_dir(), "needs ../shared/data")
class TrainCliTest(unittest.TestCase):
    def test_one_epoch_selects_on_clean_and_stored_ct(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "run"
            size = str(MIN_INPUT_SIZE)
            subprocess.run([sys.executable, str(REPO / "models/train.py"), "--out", str(out),
                            "--epochs", "1", "--limit-train", "2", "--batch", "2",
                            "--sizes", size, "--val-size", size, "--threads", "2"],
                           cwd=REPO, check=True, capture_output=True, timeout=600)
            record = json.loads((out / "log.jsonl").read_text().splitlines()[-1])
            self.assertGreaterEqual(record["val_ct_mean_dice"], 0.0)
            self.assertAlmostEqual(record["selection_score"],
                                   (record["val_mean_dice"] + record["val_ct_mean_dice"]) / 2)
            best = torch.load(out / "best.pt", map_location="cpu")
            self.assertEqual(best["epoch"], 1)


if __name__ == "__main__":
    unittest.main()
