"""int8 weight storage: the compressed graph holds exactly the fake-quantised, BN-folded weights."""

import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from models.bsnet.weight_compression import fake_quantize_conv_weights_, quantize_onnx_conv_weights


def tiny_net() -> nn.Module:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                        nn.Conv2d(8, 4, 1), nn.BatchNorm2d(4))
    with torch.no_grad():  # non-trivial BN statistics, so folding really rescales channels
        for bn in (net[1], net[4]):
            bn.running_mean.uniform_(-1, 1)
            bn.running_var.uniform_(0.5, 2)
            bn.weight.uniform_(-2, 2)
    return net.eval()


def export(net: nn.Module, path: Path) -> onnx.ModelProto:
    kwargs = {"dynamo": False} if "dynamo" in torch.onnx.export.__code__.co_varnames else {}
    torch.onnx.export(net, torch.zeros(1, 3, 16, 16), str(path), opset_version=13, input_names=["x"],
                      output_names=["y"], do_constant_folding=True, **kwargs)
    return onnx.load(str(path))


class WeightCompressionTest(unittest.TestCase):
    def test_fake_quantised_weights_have_at_most_255_levels_per_channel(self):
        net = tiny_net()
        self.assertEqual(fake_quantize_conv_weights_(net), 2)
        w = net[0].weight.detach()
        for channel in w:
            scale = channel.abs().max() / 127
            q = channel / scale
            self.assertTrue(torch.allclose(q, q.round(), atol=1e-4))

    def test_compressed_graph_reproduces_the_folded_weights(self):
        net = tiny_net()
        fake_quantize_conv_weights_(net)
        with tempfile.TemporaryDirectory() as tmp:
            folded = export(net, Path(tmp) / "fq.onnx")
            weights = {i.name: numpy_helper.to_array(i) for i in folded.graph.initializer}
            compressed, stats = quantize_onnx_conv_weights(folded)
        self.assertEqual(stats["convs"], 2)
        self.assertLess(stats["max_abs_rounding_error"], 1e-5)
        inits = {i.name: numpy_helper.to_array(i) for i in compressed.graph.initializer}
        dq = [n for n in compressed.graph.node if n.op_type == "DequantizeLinear"]
        self.assertEqual(len(dq), 2)
        for node in dq:
            q, scale, zero = (inits[name] for name in node.input)
            self.assertEqual(q.dtype, np.int8)
            self.assertTrue(np.all(zero == 0))
            self.assertEqual([a.i for a in node.attribute if a.name == "axis"], [0])
            restored = q.astype(np.float32) * scale.reshape(-1, *([1] * (q.ndim - 1)))
            np.testing.assert_allclose(restored, weights[node.output[0]], rtol=1e-5, atol=1e-6)
            self.assertNotIn(node.output[0], inits)  # the fp32 copy is gone


if __name__ == "__main__":
    unittest.main()
