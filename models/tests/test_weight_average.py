"""The exponential moving average of the weights (training/weight_average.py)."""

import unittest

import torch
from torch import nn

from models.training.weight_average import WeightAverage


def net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2))


class WeightAverageTest(unittest.TestCase):
    def test_follows_the_formula_for_parameters_and_float_buffers(self):
        model = net()
        ema = WeightAverage(model, decay=0.9)
        w0 = model[0].weight.detach().clone()
        with torch.no_grad():
            model[0].weight.add_(1.0)
            model[1].running_mean.fill_(2.0)
        ema.update(model)
        self.assertTrue(torch.allclose(ema.model[0].weight, w0 + 0.1, atol=1e-6))
        self.assertTrue(torch.allclose(ema.model[1].running_mean, torch.full((2,), 0.2)))
        ema.update(model)  # 0.9 * 0.2 + 0.1 * 2
        self.assertTrue(torch.allclose(ema.model[1].running_mean, torch.full((2,), 0.38)))
        self.assertEqual(ema.updates, 2)

    def test_integer_buffers_are_copied_and_the_average_does_not_train(self):
        model = net()
        ema = WeightAverage(model, decay=0.99)
        model.train()
        model(torch.randn(2, 1, 4, 4))
        ema.update(model)
        self.assertEqual(ema.model[1].num_batches_tracked.item(), 1)
        self.assertFalse(ema.model.training)
        self.assertFalse(any(p.requires_grad for p in ema.model.parameters()))

    def test_state_round_trip_and_decay_checks(self):
        model = net()
        ema = WeightAverage(model, decay=0.5)
        with torch.no_grad():
            model[0].bias.fill_(4.0)
        ema.update(model)
        other = WeightAverage(net(), decay=0.5)
        other.load_state_dict(ema.state_dict())
        self.assertEqual(other.updates, 1)
        self.assertTrue(torch.equal(other.model[0].bias, ema.model[0].bias))
        with self.assertRaisesRegex(ValueError, "decay 0.5 != 0.9"):
            WeightAverage(net(), decay=0.9).load_state_dict(ema.state_dict())
        with self.assertRaisesRegex(ValueError, "decay must be in"):
            WeightAverage(net(), decay=1.0)


if __name__ == "__main__":
    unittest.main()
