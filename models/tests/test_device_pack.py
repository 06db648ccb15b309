"""Packing the training data for the GPU machine within the device tool's 64 MiB (device/pack_data.py)."""

import os
import tempfile
import unittest
from pathlib import Path

from models.device.pack_data import evenly_spaced, largest_subset, pack, travelling_tree_bytes

DATA = Path(os.environ.get("COVID_SEMISEG_DIR", Path(__file__).resolve().parents[3] / "shared" / "data" / "covid-semiseg"))


class SubsetTest(unittest.TestCase):
    def test_evenly_spaced_keeps_every_other_item_at_half(self):
        self.assertEqual(evenly_spaced(list(range(10)), 5), [0, 2, 4, 6, 8])
        self.assertEqual(evenly_spaced([1, 2], 5), [1, 2])

    def test_largest_subset_fits_the_budget(self):
        stems = [f"s{i}" for i in range(100)]
        cost = {s: 10 + (i % 3) for i, s in enumerate(stems)}
        chosen = largest_subset(stems, cost, 500)
        self.assertLessEqual(sum(cost[s] for s in chosen), 500)
        self.assertGreater(sum(cost[s] for s in evenly_spaced(stems, len(chosen) + 1)), 500)
        self.assertEqual(largest_subset(stems, cost, 5), [])


@unittest.skipUnless((DATA / "pseudo").is_dir(), "needs ../shared/data/covid-semiseg")
class PackTest(unittest.TestCase):
    def test_packs_all_labelled_slices_and_a_pseudo_subset_within_budget(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "covid-semiseg"
            facts = pack(DATA, out, budget=6 << 20)
            files = [p for p in out.rglob("*") if p.is_file() and p.name != "pack.json"]
            self.assertLessEqual(sum(p.stat().st_size for p in files), 6 << 20)
            self.assertEqual(facts["train"], 50)
            self.assertEqual(len(list((out / "train" / "masks").iterdir())), 50)
            self.assertEqual(len(list((out / "train" / "edges").iterdir())), 50)
            self.assertGreater(facts["pseudo"], 100)
            self.assertLess(facts["pseudo"], facts["pseudo_of"])
            # every packed pseudo slice has its image, mask and edge map
            for split in ("images", "masks", "edges"):
                self.assertEqual(len(list((out / "pseudo" / split).iterdir())), facts["pseudo"])

    def test_tree_size_counts_the_shipped_model(self):
        self.assertGreater(travelling_tree_bytes(), 40 << 20)


if __name__ == "__main__":
    unittest.main()
