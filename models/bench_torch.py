"""Time PyTorch eager fp32 inference of the BSNet export wrapper (random
init), the baseline the onnxruntime numbers are compared against.

    python3 models/bench_torch.py [--size 352] [--batch 1] [--warmup 2] [--iters 6]
                                  [--threads 2] [--json] [--flops]
"""

import argparse
import json
import time

import torch
from torch import nn

from bsnet import BSNetExportWrapper, create_model


def count_conv_macs(model: nn.Module, image: torch.Tensor) -> int:
    """Multiply-accumulates of all Conv2d layers for one forward of `image`,
    counted from the actual output sizes (so unpadded and strided convs are
    right). Other layers (BN, resizes, products) are a small remainder."""
    macs = 0

    def hook(module: nn.Conv2d, _inputs, output: torch.Tensor) -> None:
        nonlocal macs
        kh, kw = module.kernel_size
        macs += output.numel() * (module.in_channels // module.groups) * kh * kw

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, nn.Conv2d)]
    try:
        with torch.no_grad():
            model(image)
    finally:
        for h in handles:
            h.remove()
    return macs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=352)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--iters", type=int, default=6)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print one JSON line only")
    parser.add_argument("--flops", action="store_true",
                        help="also count conv GFLOPs per image (2 x MACs)")
    args = parser.parse_args()
    if args.iters < 1:
        parser.error("--iters must be at least 1")

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    wrapper = BSNetExportWrapper(create_model()).eval()
    image = torch.randn(args.batch, 3, args.size, args.size)

    gflops = None
    if args.flops:
        gflops = 2 * count_conv_macs(wrapper, image[:1]) / 1e9

    times = []
    with torch.no_grad():
        for i in range(args.warmup + args.iters):
            start = time.perf_counter()
            wrapper(image)
            if i >= args.warmup:
                times.append(time.perf_counter() - start)

    ms_per_batch = 1000 * sum(times) / len(times)
    images_per_second = args.batch * len(times) / sum(times)

    if args.json:
        result = {
            "framework": "pytorch-eager",
            "torch": torch.__version__,
            "threads": args.threads,
            "batch": args.batch,
            "size": args.size,
            "imagesPerSecond": round(images_per_second, 3),
            "msPerBatch": round(ms_per_batch, 1),
        }
        if gflops is not None:
            result["gflopsPerImage"] = round(gflops, 1)
        print(json.dumps(result))
        return

    print(f"torch {torch.__version__}, {args.threads} threads, batch {args.batch}, "
          f"{args.size}x{args.size}, {args.iters} timed iters after {args.warmup} warmup")
    if gflops is not None:
        print(f"conv GFLOPs per image: {gflops:.1f} (2 x {gflops / 2:.1f} GMACs)")
    print(f"{images_per_second:.2f} images/s, {ms_per_batch:.0f} ms per batch")


if __name__ == "__main__":
    main()
