"""The QDQ insertion of models/quantize/qdq.py on a small graph: which tensors it plans, that
zero is exact in every uint8 range, and that the written model is valid, topologically sorted,
and keeps every consumer reading the dequantised tensor."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from models.quantize.qdq import plan_tensors, uint8_params

QDQ = os.path.join(os.path.dirname(__file__), "..", "quantize", "qdq.py")


def small_model():
    """image -> Conv -> Relu -> Conv -> Add(image-side branch) -> Sigmoid, with float weights."""
    w1 = numpy_helper.from_array(np.ones((4, 3, 3, 3), np.float32) * 0.1, "w1")
    w2 = numpy_helper.from_array(np.ones((3, 4, 1, 1), np.float32) * 0.2, "w2")
    nodes = [
        helper.make_node("Conv", ["image", "w1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], name="conv2"),
        helper.make_node("Add", ["c2", "image"], ["a"], name="add"),
        helper.make_node("Sigmoid", ["a"], ["prob"], name="sig"),
    ]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 8, 8])], [helper.make_tensor_value_info("prob", TensorProto.FLOAT, [1, 3, 8, 8])], [w1, w2])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


class QdqTest(unittest.TestCase):
    def test_plans_conv_inputs_and_outputs_after_a_sole_relu(self):
        tensors = plan_tensors(small_model())
        self.assertEqual(list(tensors), ["image", "r1", "c2"])
        self.assertEqual(tensors["r1"], ["conv1", "conv2"])
        self.assertEqual(list(plan_tensors(small_model(), keep_float={"conv2"})), ["image", "r1"])

    def test_zero_is_exact(self):
        for lo, hi in [(-1.3, 4.2), (0.0, 6.0), (0.5, 2.0), (-3.0, -1.0), (0.0, 0.0)]:
            scale, zero = uint8_params(lo, hi)
            self.assertGreater(scale, 0)
            self.assertEqual(float(np.float32(0.0) / scale + zero) - zero, 0.0)
            self.assertTrue(0 <= int(zero) <= 255)
            # The range it covers is the calibrated one (with 0), to within the half step the
            # rounded zero point moves it by.
            self.assertLessEqual((0 - int(zero)) * scale, min(lo, 0.0) + scale / 2 + 1e-6)
            self.assertGreaterEqual((255 - int(zero)) * scale, max(hi, 0.0) - scale / 2 - 1e-6)

    def test_insert_writes_a_valid_sorted_model_whose_consumers_read_the_dequantised_tensors(self):
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "m.onnx")
            onnx.save(small_model(), src)
            ranges = os.path.join(d, "ranges.json")
            with open(ranges, "w") as f:
                json.dump({"method": "minmax", "ranges": {"image": {"min": -2, "max": 2}, "r1": {"min": 0, "max": 3}, "c2": {"min": -1, "max": 5}}}, f)
            out = os.path.join(d, "q.onnx")
            subprocess.run([sys.executable, QDQ, "insert", "--model", src, "--ranges", ranges, "--out", out], check=True, capture_output=True)
            m = onnx.load(out)
            onnx.checker.check_model(m)
            ops = [n.op_type for n in m.graph.node]
            self.assertEqual(ops.count("QuantizeLinear"), 3)
            self.assertEqual(ops.count("DequantizeLinear"), 3)
            produced = {i.name for i in m.graph.input} | {i.name for i in m.graph.initializer}
            for n in m.graph.node:
                for i in n.input:
                    self.assertIn(i, produced, f"{n.name} reads {i} before it is made")
                produced.update(n.output)
            by_name = {n.name: n for n in m.graph.node}
            self.assertTrue(by_name["conv1"].input[0].endswith("_dq"))
            self.assertTrue(by_name["conv2"].input[0].endswith("_dq"))
            self.assertTrue(by_name["add"].input[0].endswith("_dq"))
            self.assertTrue(by_name["add"].input[1].endswith("_dq"))
            self.assertEqual(m.graph.output[0].name, "prob")


if __name__ == "__main__":
    unittest.main()
