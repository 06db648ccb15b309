"""Rebuilding trainable weights from an exported ONNX file (bsnet/onnx_import.py, import_onnx.py)."""

import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import onnx
import torch
from torch import nn

from models.bsnet import create_model
from models.bsnet.onnx_import import import_onnx_weights, onnx_conv_params
from models.bsnet.weight_compression import fake_quantize_conv_weights_, quantize_onnx_conv_weights
from models.tests.test_weight_compression import export

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "models" / "bsnet-v1.onnx"
DATA = Path(os.environ.get("COVID_SEMISEG_DIR", REPO.parent / "shared" / "data" / "covid-semiseg"))


class TinyNet(nn.Module):
    """The shapes BSNet has: conv+BN(+ReLU), a conv without BN or bias, a biased head used twice."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.body = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8))
        self.attention = nn.Conv2d(8, 8, 1, bias=False)
        self.head = nn.Conv2d(8, 1, 1)

    def forward(self, x):
        f = self.stem(x)
        g = torch.relu(self.body(f)) * torch.sigmoid(self.attention(f))
        return self.head(g) + self.head(f)


def trained_tiny_net() -> TinyNet:
    torch.manual_seed(0)
    net = TinyNet()
    with torch.no_grad():  # statistics far from identity, so folding really changes the weights
        for bn in (net.stem[1], net.body[1]):
            bn.running_mean.uniform_(-1, 1)
            bn.running_var.uniform_(0.2, 3)
            bn.weight.uniform_(0.5, 2)
            bn.bias.uniform_(-0.5, 0.5)
    return net.eval()


class OnnxImportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.original = trained_tiny_net()
        fake_quantize_conv_weights_(cls.original)  # as the shipped file: int8 behind DequantizeLinear
        with tempfile.TemporaryDirectory() as tmp:
            cls.onnx_model, _ = quantize_onnx_conv_weights(export(cls.original, Path(tmp) / "t.onnx"))
        torch.manual_seed(1)
        cls.batch = torch.randn(4, 3, 16, 16)

    def rebuilt(self, calibration=None) -> TinyNet:
        torch.manual_seed(2)  # other random weights: everything must come from the file
        net = TinyNet()
        batches = calibration if calibration is not None else [self.batch]
        facts = import_onnx_weights(net, self.onnx_model, torch.zeros(1, 3, 16, 16), lambda: iter(batches))
        self.assertEqual(facts, {"onnx_convs": 5, "unfolded_batchnorms": 2, "calibration_images": 4})
        return net

    def test_reads_dequantized_weights_in_call_order(self):
        params = onnx_conv_params(self.onnx_model)
        self.assertEqual([w.shape for _, w, _ in params],
                         [(8, 3, 3, 3), (8, 8, 3, 3), (8, 8, 1, 1), (1, 8, 1, 1), (1, 8, 1, 1)])
        # BN folding gives the first two a bias; the attention conv has none
        self.assertEqual([b is not None for _, _, b in params], [True, True, False, True, True])

    def test_eval_mode_computes_the_exported_function(self):
        net = self.rebuilt().eval()
        x = torch.randn(2, 3, 16, 16)
        with torch.no_grad():
            self.assertLess((net(x) - self.original(x)).abs().max().item(), 1e-5)

    def test_train_mode_on_the_calibration_batch_is_close_to_eval(self):
        # Batch statistics of the calibration batch are the running statistics, so BN in train
        # mode changes nothing but eps: training starts from the shipped function.
        net = self.rebuilt()
        with torch.no_grad():
            net.eval()
            expected = net(self.batch)
            net.train()
            got = net(self.batch)
        self.assertLess((got - expected).abs().max().item(), 1e-3)

    def test_conv_outputs_are_standardised(self):
        net = self.rebuilt().eval()
        with torch.no_grad():
            y = net.stem[0](self.batch)
        var = y.var(dim=(0, 2, 3), unbiased=False)
        self.assertTrue(torch.allclose(var, torch.ones_like(var), atol=1e-4), var)

    def test_rejects_a_model_of_another_shape(self):
        other = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8))
        with self.assertRaisesRegex(ValueError, "calls 1 convs, the ONNX graph has 5"):
            import_onnx_weights(other, self.onnx_model, torch.zeros(1, 3, 16, 16), lambda: iter([self.batch]))
        wide = TinyNet()
        wide.head = nn.Conv2d(8, 2, 1)
        with self.assertRaisesRegex(ValueError, r"does not fit a conv of \(2, 8, 1, 1\)"):
            import_onnx_weights(wide, self.onnx_model, torch.zeros(1, 3, 16, 16), lambda: iter([self.batch]))

    def test_rejects_an_empty_calibration_set(self):
        with self.assertRaisesRegex(ValueError, "at least one image"):
            import_onnx_weights(TinyNet(), self.onnx_model, torch.zeros(1, 3, 16, 16), lambda: iter([]))


@unittest.skipUnless(SHIPPED.exists() and (DATA / "train").is_dir() and (REPO / "node_modules").is_dir(),
                     "needs the shipped model, ../shared/data and node_modules (npm ci)")
class ShippedModelImportTest(unittest.TestCase):
    def test_rebuilt_shipped_model_matches_its_parity_vectors(self):
        """The real file: the CLI rebuilds it and checks PyTorch against the shipped outputs."""
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "init.pt"
            res = subprocess.run([sys.executable, "models/import_onnx.py", "--out", str(out),
                                  "--calibration-limit", "4"], cwd=REPO, capture_output=True, text=True)
            self.assertEqual(res.returncode, 0, res.stderr[-2000:])
            facts = json.loads([line for line in res.stdout.splitlines() if line.startswith("{")][-1])
            self.assertEqual(facts["onnx_convs"], 166)  # the MBG head is called three times
            self.assertEqual(facts["unfolded_batchnorms"], 160)
            self.assertIsNotNone(facts["parity_max_abs_diff"], res.stdout)
            self.assertLess(facts["parity_max_abs_diff"], 1e-3)
            # and it is a checkpoint train.py --init can load strictly
            state = torch.load(out, map_location="cpu")["model"]
        create_model().load_state_dict(state, strict=True)


if __name__ == "__main__":
    unittest.main()
