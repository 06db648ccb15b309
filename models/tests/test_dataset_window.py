"""The dataset-window measurement (models/evaluate/robustness/dataset_window.py): the peaks of a
two-tissue histogram, and the window that maps the anchor HU values back onto them."""

import importlib.util
import unittest
from pathlib import Path

import numpy as np

_PATH = Path(__file__).resolve().parents[1] / "evaluate/robustness/dataset_window.py"
_spec = importlib.util.spec_from_file_location("dataset_window", _PATH)
dataset_window = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(dataset_window)


class DatasetWindowTest(unittest.TestCase):
    def test_peaks_of_a_two_tissue_histogram(self):
        g = np.arange(256)
        hist = np.exp(-((g - 45) / 12.0) ** 2) + 0.9 * np.exp(-((g - 210) / 15.0) ** 2)
        hist[250:] = 3.0  # clipped bone must not win the soft-tissue peak
        self.assertEqual(dataset_window.tissue_peaks(hist / hist.sum()), (45, 210))

    def test_window_puts_the_anchors_on_the_peaks(self):
        c, w = dataset_window.window_from_peaks(45, 210)
        to_gray = lambda hu: (hu - (c - w / 2)) / w * 255
        self.assertAlmostEqual(to_gray(-850), 45, places=9)
        self.assertAlmostEqual(to_gray(40), 210, places=9)
        self.assertEqual((round(c), round(w)), (-405, 1375))  # the edge's DEFAULT_LUNG_WINDOW


if __name__ == "__main__":
    unittest.main()
