"""The int8 compact checkpoint (bsnet/compact_state.py): small, and exported like the full one."""

import io
import unittest

import torch
from torch import nn

from models.bsnet.compact_state import compact_state_dict, expand_state_dict, is_compact
from models.bsnet.weight_compression import fake_quantize_conv_weights_


def net(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(3, 16, 3, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                          nn.Conv2d(16, 4, 1), nn.Flatten(), nn.Linear(4 * 6 * 6, 2))
    with torch.no_grad():
        model[1].running_mean.uniform_(-1, 1)
        model[1].running_var.uniform_(0.5, 2)
    return model


def saved_size(obj) -> int:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.tell()


class CompactStateTest(unittest.TestCase):
    def test_export_rounding_of_the_expanded_weights_is_the_original_rounding(self):
        original = net(0)
        state = original.state_dict()
        restored = net(1)
        restored.load_state_dict(expand_state_dict(compact_state_dict(state)), strict=True)
        fake_quantize_conv_weights_(original)
        fake_quantize_conv_weights_(restored)
        for a, b in zip(original.modules(), restored.modules()):
            if isinstance(a, nn.Conv2d):
                self.assertTrue(torch.allclose(a.weight, b.weight, rtol=0, atol=1e-7))
        # BN statistics and biases are kept exactly; integer buffers too
        self.assertTrue(torch.equal(original[1].running_var, restored[1].running_var))
        self.assertTrue(torch.equal(original[3].bias, restored[3].bias))
        self.assertEqual(restored[1].num_batches_tracked.dtype, torch.int64)

    def test_about_a_quarter_of_the_fp32_size(self):
        torch.manual_seed(0)
        state = nn.Conv2d(256, 256, 3).state_dict()
        compact = compact_state_dict(state)
        self.assertTrue(is_compact(compact))
        self.assertEqual(compact["int8"]["weight"][0].dtype, torch.int8)
        self.assertLess(saved_size(compact), 0.27 * saved_size(state))

    def test_refuses_what_is_not_compact(self):
        with self.assertRaisesRegex(ValueError, "not a compact state"):
            expand_state_dict({"weight": torch.zeros(1)})


if __name__ == "__main__":
    unittest.main()
