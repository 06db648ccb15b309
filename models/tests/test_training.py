"""Checks of the training pipeline: loss, augmentations, split, collate and
the validation Dice. The loss-decrease check trains the real BSNet for a few
steps at its minimum input size (160), so it is the slow one (~10 s)."""

import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from models.bsnet import MIN_INPUT_SIZE, BSNetConfig, create_model
from models.training.augment import AugmentConfig, PhoneScanAugment, affine_coefficients, ct_look
from models.training.data import (DEFAULT_DATA_ROOT, DEFAULT_SPLIT_FILE, MultiScaleCollate,
                                  SegmentationDataset, list_stems, load_validation_split,
                                  make_validation_split, natural_key, read_split_file)
from models.training.losses import boundary_weight, bsnet_loss, structure_loss
from models.training.metrics import DiceAccumulator, dice_at, dice_curve

DATA = Path(DEFAULT_DATA_ROOT)
METRIC_VECTORS = DATA.parent / "metric-vectors"


def square_scene(h=120, w=150, box=(20, 30, 60, 80), value=200):
    """Dark image with one bright off-centre rectangle; mask and edge from it."""
    y0, x0, y1, x1 = box
    img = np.full((h, w), 20, np.uint8)
    img[y0:y1, x0:x1] = value
    mask = np.zeros((h, w), np.uint8)
    mask[y0:y1, x0:x1] = 255
    edge = np.zeros((h, w), np.uint8)
    edge[y0:y1, x0:x1] = 255
    edge[y0 + 1:y1 - 1, x0 + 1:x1 - 1] = 0
    return Image.fromarray(img), Image.fromarray(mask), Image.fromarray(edge)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return np.logical_and(a, b).sum() / max(1, np.logical_or(a, b).sum())


class LossTest(unittest.TestCase):
    def test_weight_is_one_on_flat_masks(self):
        for value in (0.0, 1.0):
            gt = torch.full((1, 1, 64, 64), value)
            w = boundary_weight(gt)
            # zero padding is counted in the average: an all-ones mask gets
            # higher weights at the image border, an empty one none
            if value == 0.0:
                self.assertTrue(torch.allclose(w, torch.ones_like(w)))
            else:
                self.assertAlmostEqual(w[0, 0, 32, 32].item(), 1.0, places=6)

    def test_hand_computed_structure_loss(self):
        # gt empty, logits 0: weight 1, bce = log 2, pred = 0.5 everywhere,
        # inter = 0, union = 0.5 * H * W -> wiou = 1 - 1 / (0.5 HW + 1)
        h = w = 8
        loss = structure_loss(torch.zeros(2, 1, h, w), torch.zeros(2, 1, h, w)).item()
        self.assertAlmostEqual(loss, np.log(2) + 1 - 1 / (0.5 * h * w + 1), places=5)
        # confident and right: near 0
        gt = torch.zeros(1, 1, 40, 40)
        gt[..., 10:30, 10:30] = 1
        self.assertLess(structure_loss((gt * 2 - 1) * 30, gt).item(), 1e-3)

    def test_loss_finite_and_decreases_on_a_tiny_batch(self):
        torch.manual_seed(0)
        model = create_model()
        model.train()
        size = MIN_INPUT_SIZE
        cfg = BSNetConfig()
        x = torch.full((2, 1, size, size), 0.1)
        mask = torch.zeros(2, 1, size, size)
        mask[0, :, 40:100, 30:90] = 1
        mask[1, :, 70:130, 60:140] = 1
        x = x + 0.7 * mask
        edge = (mask - torch.nn.functional.max_pool2d(-mask, 3, 1, 1).neg()).abs()
        mean = torch.tensor(cfg.mean).view(1, 3, 1, 1)
        std = torch.tensor(cfg.std).view(1, 3, 1, 1)
        image = (x.expand(-1, 3, -1, -1) - mean) / std
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)
        losses = []
        for _ in range(5):
            total, parts = bsnet_loss(model(image), mask, edge)
            self.assertTrue(torch.isfinite(total), parts)
            self.assertEqual(set(parts), {"s5", "s4", "s3", "s2", "edge"})
            self.assertAlmostEqual(total.item(), sum(p.item() for p in parts.values()), places=4)
            opt.zero_grad()
            total.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            opt.step()
            losses.append(total.item())
        self.assertLess(losses[-1], losses[0], losses)

    def test_rejects_wrong_output_count(self):
        with self.assertRaises(ValueError):
            bsnet_loss([torch.zeros(1, 1, 8, 8)] * 4, torch.zeros(1, 1, 8, 8),
                       torch.zeros(1, 1, 8, 8))


class AugmentTest(unittest.TestCase):
    def check_aligned(self, cfg: AugmentConfig, seeds=range(12), min_iou=0.9):
        aug = PhoneScanAugment(cfg)
        image, mask, edge = square_scene()
        for seed in seeds:
            img, m, e = aug(image, mask, edge, np.random.default_rng(seed))
            with self.subTest(seed=seed):
                self.assertEqual(img.shape, m.shape)
                self.assertEqual(img.shape, e.shape)
                self.assertTrue(img.dtype == m.dtype == e.dtype == np.float32)
                self.assertTrue(0 <= img.min() and img.max() <= 1 and 0 <= m.min() <= m.max() <= 1)
                fg = m > 0.5
                self.assertGreater(fg.sum(), 0)
                inside, outside = img[fg].mean(), img[~fg].mean()
                self.assertGreater(inside, outside + 0.2)
                bright = img > (inside + outside) / 2
                self.assertGreater(iou(bright, fg), min_iou)
                # the edge stays on the mask's border
                on_edge = e > 0.3
                ring = np.logical_xor(_dilate(fg, 3), _erode(fg, 3))
                self.assertGreater(np.logical_and(on_edge, ring).sum() / max(1, on_edge.sum()),
                                   0.95)

    def test_geometric_keeps_image_and_mask_aligned(self):
        self.check_aligned(AugmentConfig.geometric_only(p_flip=0.5, p_affine=1.0))

    def test_full_augmentation_keeps_alignment(self):
        self.check_aligned(AugmentConfig(p_affine=1.0), min_iou=0.85)

    def test_flip_moves_mask_with_image(self):
        cfg = AugmentConfig.geometric_only(p_flip=1.0, p_affine=0.0)
        image, mask, edge = square_scene(box=(20, 10, 60, 50))
        img, m, _ = PhoneScanAugment(cfg)(image, mask, edge, np.random.default_rng(0))
        expected = np.zeros_like(m, bool)
        expected[20:60, 150 - 50:150 - 10] = True
        self.assertTrue(np.array_equal(m > 0.5, expected))
        self.assertTrue(np.array_equal(img > 0.5, expected))

    def test_rotation_goes_about_the_centre(self):
        a, b, c, d, e, f = affine_coefficients(100, 80, 15.0, 1.1, 0.0, 0.0)
        self.assertAlmostEqual(a * 50 + b * 40 + c, 50, places=6)
        self.assertAlmostEqual(d * 50 + e * 40 + f, 40, places=6)

    def test_ct_look_clips_air_like_stored_ct(self):
        gray = np.linspace(0.0, 1.0, 256, dtype=np.float32)
        out = ct_look(gray, (-600.0, 1500.0), -1024.0, -600.0, 1500.0)
        # under the same window the stored floor is gray 326/1500 and everything above is kept
        floor = 326.0 / 1500.0
        self.assertTrue(np.allclose(out[gray <= floor], floor, atol=1e-6))
        self.assertTrue(np.allclose(out[gray > floor], gray[gray > floor], atol=1e-6))
        # a narrower window stretches: lung parenchyma (-850 HU) moves, the floor goes to 0
        narrow = ct_look(gray, (-600.0, 1500.0), -1024.0, -474.0, 1100.0)
        self.assertAlmostEqual(float(narrow.min()), 0.0, places=6)
        self.assertAlmostEqual(float(narrow.max()), 1.0, places=6)

    def test_ct_look_is_drawn_with_its_probability(self):
        image, mask, edge = square_scene()
        aug = PhoneScanAugment(AugmentConfig.geometric_only(p_flip=0.0, p_affine=0.0, p_ct=1.0))
        dark = [aug(image, mask, edge, np.random.default_rng(s))[0].min() for s in range(6)]
        # the background (gray 20, -985 HU read as -405/1375) comes out at a jittered window's
        # gray, which differs from draw to draw
        self.assertEqual(len(set(float(d) for d in dark)), len(dark))
        off = PhoneScanAugment(AugmentConfig.geometric_only(p_flip=0.0, p_affine=0.0))
        self.assertAlmostEqual(float(off(image, mask, edge, np.random.default_rng(0))[0].min()),
                               20 / 255, places=6)

    def test_reproducible_from_the_seed(self):
        aug = PhoneScanAugment()
        image, mask, edge = square_scene()
        one = aug(image, mask, edge, np.random.default_rng(7))
        two = aug(image, mask, edge, np.random.default_rng(7))
        for x, y in zip(one, two):
            self.assertTrue(np.array_equal(x, y))
        other = [aug(image, mask, edge, np.random.default_rng(s))[0] for s in range(8, 12)]
        self.assertTrue(any(not np.array_equal(one[0], o) for o in other))


def _dilate(a: np.ndarray, r: int) -> np.ndarray:
    t = torch.from_numpy(a.astype(np.float32))[None, None]
    return torch.nn.functional.max_pool2d(t, 2 * r + 1, 1, r)[0, 0].numpy() > 0


def _erode(a: np.ndarray, r: int) -> np.ndarray:
    return ~_dilate(~a, r)


@unittest.skipUnless((DATA / "train" / "images").is_dir(), f"no data at {DATA}")
class SplitAndDataTest(unittest.TestCase):
    def test_split_is_deterministic_and_disjoint(self):
        stems = list_stems(DATA / "train")
        self.assertEqual(len(stems), 50)
        a = make_validation_split(stems, 10, seed=2022)
        b = make_validation_split(list(reversed(stems)), 10, seed=2022)
        self.assertEqual(a, b)
        self.assertNotEqual(a[1], make_validation_split(stems, 10, seed=1)[1])
        train, val = load_validation_split(DATA / "train", DEFAULT_SPLIT_FILE, create=False)
        self.assertEqual(val, read_split_file(DEFAULT_SPLIT_FILE))
        self.assertEqual((len(train), len(val), len(set(val))), (40, 10, 10))
        self.assertFalse(set(train) & set(val))
        self.assertEqual(sorted(train + val, key=natural_key), stems)
        # twice the same answer
        self.assertEqual((train, val), load_validation_split(DATA / "train", DEFAULT_SPLIT_FILE))

    def test_split_file_is_created_when_missing(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "splits" / "val.txt"
            train, val = load_validation_split(DATA / "train", path, seed=5)
            self.assertEqual(read_split_file(path), val)
            self.assertEqual((train, val), load_validation_split(DATA / "train", path, seed=99))
            path.write_text("0\nnot-a-stem\n")
            with self.assertRaisesRegex(ValueError, "not-a-stem"):
                load_validation_split(DATA / "train", path)

    def test_dataset_and_multiscale_collate(self):
        cfg = BSNetConfig()
        train, val = load_validation_split(DATA / "train", DEFAULT_SPLIT_FILE)
        ds = SegmentationDataset(DATA / "train", train[:4], cfg.mean, cfg.std,
                                 augment=PhoneScanAugment(), seed=3)
        items = [ds[i] for i in range(4)]
        raw = np.asarray(Image.open(DATA / "train" / "images" / f"{train[0]}.jpg").convert("L"))
        self.assertEqual(tuple(items[0]["image"].shape), (3,) + raw.shape)
        for it in items:
            self.assertEqual(it["mask"].shape[1:], it["image"].shape[1:])
            self.assertEqual(it["edge"].shape[1:], it["image"].shape[1:])
        collate = MultiScaleCollate((256, 352, 448), seed=3)
        sizes = set()
        for epoch in range(6):
            ds.set_epoch(epoch)
            batch = collate([ds[i] for i in range(2)])
            s = batch["size"]
            sizes.add(s)
            self.assertEqual(tuple(batch["image"].shape), (2, 3, s, s))
            self.assertEqual(tuple(batch["mask"].shape), (2, 1, s, s))
            self.assertEqual(tuple(batch["edge"].shape), (2, 1, s, s))
            self.assertTrue(0 <= batch["mask"].min() and batch["mask"].max() <= 1)
            self.assertEqual(collate([ds[i] for i in range(2)])["size"], s)  # reproducible
        self.assertGreater(len(sizes), 1)
        # validation: no augmentation, 352, original masks kept
        vds = SegmentationDataset(DATA / "train", val[:2], cfg.mean, cfg.std)
        vb = MultiScaleCollate((352,), keep_originals=True)([vds[0], vds[1]])
        self.assertEqual(tuple(vb["image"].shape), (2, 3, 352, 352))
        m = np.asarray(Image.open(DATA / "train" / "masks" / f"{val[0]}.png").convert("L"))
        self.assertTrue(np.array_equal(vb["orig_masks"][0][0].numpy(), m / 255.0))
        img = np.asarray(Image.open(DATA / "train" / "images" / f"{val[0]}.jpg").convert("L"))
        got = vds[0]["image"][1].numpy() * cfg.std[1] + cfg.mean[1]
        self.assertTrue(np.allclose(got, img / 255.0, atol=1e-5))


class MetricTest(unittest.TestCase):
    def test_perfect_prediction(self):
        gt = np.zeros((20, 30), bool)
        gt[5:15, 10:20] = True
        self.assertEqual(dice_at(gt.astype(float), gt), 1.0)
        curve = dice_curve(gt.astype(float), gt)
        self.assertTrue(np.all(curve[1:] == 1.0))
        # threshold 0 marks every pixel: 2|G| / (|G| + N)
        self.assertAlmostEqual(curve[0], 2 * 100 / (100 + 600))
        self.assertAlmostEqual(curve.mean(), (255 + 200 / 700) / 256)

    def test_hand_computable_case(self):
        gt = np.zeros((4, 4), bool)
        gt[:2, :2] = True                      # |G| = 4
        pred = np.zeros((4, 4))
        pred[:2, 1:3] = 0.8                    # 4 predicted, 2 of them right
        self.assertAlmostEqual(dice_at(pred, gt), 2 * 2 / (4 + 4))
        self.assertAlmostEqual(dice_at(pred, gt, 0.9), 0.0)
        # min-max makes pred 0/1: k = 0 -> B = all 16 pixels, k >= 1 -> Dice 0.5
        self.assertAlmostEqual(dice_curve(pred, gt).mean(), (2 * 4 / (4 + 16) + 255 * 0.5) / 256)
        # the normalisation makes the scale irrelevant
        self.assertTrue(np.array_equal(dice_curve(pred * 0.01 + 0.3, gt), dice_curve(pred, gt)))

    def test_accumulator_resizes_to_the_mask_and_averages(self):
        acc = DiceAccumulator()
        mask = torch.zeros(1, 30, 50)
        mask[:, 10:20, 10:40] = 1
        big = torch.nn.functional.interpolate(mask[None], size=(64, 64), mode="nearest")
        acc.add_batch((big * 2 - 1) * 20, [mask], ["a"])
        acc.add(np.zeros((30, 50)), mask[0].numpy() > 0.5, "b")
        res = acc.result()
        self.assertEqual(res["n"], 2)
        # "a" is right up to resampling at the border, "b" predicts nothing
        self.assertAlmostEqual(res["dice@0.5"], 0.5, delta=0.03)
        self.assertEqual([r["stem"] for r in acc.per_image()], ["a", "b"])

    @unittest.skipUnless((METRIC_VECTORS / "expected.json").is_file(), "no metric vectors")
    def test_matches_pysodmetrics_mean_dice(self):
        expected = json.loads((METRIC_VECTORS / "expected.json").read_text())
        for name, exp in expected.items():
            with self.subTest(name=name):
                pred = np.asarray(Image.open(METRIC_VECTORS / "preds" / f"{name}.png")
                                  .convert("L")) / 255.0
                gt = np.asarray(Image.open(METRIC_VECTORS / "masks" / f"{name}.png")
                                .convert("L")) > 128
                self.assertAlmostEqual(dice_curve(pred, gt).mean(), exp["meanDice"], places=9)


if __name__ == "__main__":
    unittest.main()
