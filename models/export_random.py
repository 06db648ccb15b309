"""Export a randomly initialised, reference-shaped BSNet to ONNX.

The benchmark's model (npm run bench:worker): its speed does not depend on the weights, so a
random network with the shipped graph, size and input/output names measures it, and it can be
exported on a machine that has no copy of the shipped file.

    python3 models/export_random.py --out /tmp/bsnet-ref.onnx [--size 352] [--seed 0] [--opset 13]
"""

import argparse
import os

import torch

from bsnet import create_model, export_onnx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="path of the .onnx file to write")
    parser.add_argument("--size", type=int, default=352, help="fixed input height and width")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random initialisation")
    parser.add_argument("--opset", type=int, default=13, help="ONNX opset version")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    model = create_model()
    path = export_onnx(model, args.out, size=args.size, opset=args.opset)

    params = sum(p.numel() for p in model.parameters())
    print(f"params: {params} ({params / 1e6:.2f} M)")
    print(f"wrote {path}: {os.path.getsize(path) / 1e6:.1f} MB, "
          f"input image [batch, 3, {args.size}, {args.size}], outputs prob, edge, "
          f"opset {args.opset}, checker ok")


if __name__ == "__main__":
    main()
