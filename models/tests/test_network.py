"""Structure, shape, gradient and ONNX-export checks for BSNet.

The parameter counts pin the architecture to the reference model (46.0 M,
25.7 M of it the backbone); a drifted block shows up there first.
"""

import math
import os
import tempfile
import unittest

import torch

from models.bsnet import (MIN_INPUT_SIZE, BSNetConfig, BSNetExportWrapper,
                          create_model, export_onnx)


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


class BSNetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cls.model = create_model()

    def test_parameter_counts_match_reference(self):
        self.assertAlmostEqual(count(self.model), 46.0e6, delta=0.15e6)
        self.assertAlmostEqual(count(self.model.backbone), 25.7e6, delta=0.1e6)
        # The ImageNet classifier is the only part forward() leaves unused.
        fc = self.model.backbone.fc
        self.assertEqual(count(fc), 2048 * 1000 + 1000)
        self.assertEqual(count(create_model(imagenet_head=False)), count(self.model) - count(fc))

    def test_config_carries_preprocessing(self):
        cfg = self.model.config
        self.assertEqual(cfg, BSNetConfig())
        self.assertEqual((cfg.name, cfg.input_size), ("bsnet", 352))
        self.assertEqual(cfg.mean, (0.485, 0.456, 0.406))
        self.assertEqual(cfg.std, (0.229, 0.224, 0.225))

    def test_rejects_unknown_name_and_bad_size(self):
        with self.assertRaisesRegex(ValueError, "unknown model name"):
            create_model("unet")
        with self.assertRaisesRegex(ValueError, "height must be a multiple of 32"):
            self.model(torch.zeros(1, 3, 64, 64))

    def test_output_shapes_at_training_sizes(self):
        self.model.eval()
        for size in (352, 448):
            with self.subTest(size=size), torch.no_grad():
                outputs = self.model(torch.randn(1, 3, size, size))
                self.assertEqual(len(outputs), 5)
                for out in outputs:
                    self.assertEqual(tuple(out.shape), (1, 1, size, size))
                    self.assertTrue(torch.isfinite(out).all())

    def test_forward_backward_gives_finite_gradients(self):
        # The smallest legal input keeps this cheap on CPU.
        model = create_model()
        model.train()
        outputs = model(torch.randn(2, 3, MIN_INPUT_SIZE, MIN_INPUT_SIZE))
        sum(out.mean() for out in outputs).backward()
        for name, p in model.named_parameters():
            if name.startswith("backbone.fc."):
                self.assertIsNone(p.grad, name)
                continue
            self.assertIsNotNone(p.grad, name)
            self.assertTrue(torch.isfinite(p.grad).all(), name)
        # A zero gradient everywhere would mean the heads are cut off.
        self.assertGreater(model.mbg_head.weight.grad.abs().sum().item(), 0)

    def test_onnx_export_with_dynamic_batch(self):
        import onnx

        wrapper = BSNetExportWrapper(create_model())
        with tempfile.TemporaryDirectory() as tmp:
            path = export_onnx(wrapper, os.path.join(tmp, "bsnet.onnx"),
                               size=MIN_INPUT_SIZE, opset=13)
            graph = onnx.load(str(path), load_external_data=False).graph
        self.assertEqual([i.name for i in graph.input], ["image"])
        self.assertEqual([o.name for o in graph.output], ["prob", "edge"])
        for value in (*graph.input, *graph.output):
            self.assertEqual(value.type.tensor_type.shape.dim[0].dim_param, "batch")
        n_init = sum(math.prod(t.dims) for t in graph.initializer)
        # Everything but the unused classifier is in the graph; the margin
        # covers BatchNorm layers that constant folding merges into convs.
        fc = count(wrapper.model.backbone.fc)
        self.assertAlmostEqual(n_init, count(wrapper.model) - fc, delta=0.1e6)

    def test_wrapper_outputs_probabilities(self):
        wrapper = BSNetExportWrapper(create_model()).eval()
        with torch.no_grad():
            prob, edge = wrapper(torch.randn(1, 3, MIN_INPUT_SIZE, MIN_INPUT_SIZE))
        for out in (prob, edge):
            self.assertEqual(tuple(out.shape), (1, 1, MIN_INPUT_SIZE, MIN_INPUT_SIZE))
            self.assertTrue(((out >= 0) & (out <= 1)).all())


if __name__ == "__main__":
    unittest.main()
