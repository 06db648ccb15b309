"""Export a trained BSNet checkpoint to the shipped ONNX file, its manifest and parity vectors.

    python3 models/export.py --checkpoint models/runs/cpu-2core/labelled/best.pt \
        [--out models/bsnet-v1.onnx] [--manifest models/bsnet.manifest.json] [--version 1.0.0] \
        [--fp32-out .bench/bsnet-v1-fp32.onnx]

Writes:
- the shipped ONNX: conv weights stored as int8 per output channel and dequantised in the graph
  (see bsnet/weight_compression.py), input `image` N x 3 x 352 x 352, outputs `prob`, `edge`;
- optionally the plain fp32 export, to measure what the compression costs in accuracy;
- the manifest (shared/model-manifest.ts) with the training facts from the run folder;
- models/parity/: PyTorch's probabilities for three real slices, whose inputs come from the
  product's own TypeScript preprocessing, for the onnxruntime-node parity test.
"""

import argparse
import gzip
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
import torch

from bsnet import create_model, export_onnx
from bsnet.compact_state import load_model_state
from bsnet.weight_compression import fake_quantize_conv_weights_, quantize_onnx_conv_weights

REPO = Path(__file__).resolve().parents[1]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def parity_inputs(tmp: Path) -> dict:
    """Asks the TypeScript side for the parity slices, so both runtimes see identical bytes."""
    out = tmp / "parity.bin"
    res = subprocess.run(["npx", "--no-install", "tsx", "models/parity/write-parity-inputs.ts", str(out)],
                         cwd=REPO, check=True, capture_output=True, text=True)
    meta = json.loads(res.stdout.strip().splitlines()[-1])
    size = meta["size"]
    meta["gray"] = np.frombuffer(out.read_bytes(), dtype=np.uint8).reshape(len(meta["names"]), size, size)
    return meta


def normalise(gray: np.ndarray, mean, std) -> torch.Tensor:
    """The worker's normalisation (gpu-worker/src/inference/normalize.ts): gray to 3 channels."""
    v = gray.astype(np.float64)[:, None] / 255.0
    x = (v - np.array(mean).reshape(1, 3, 1, 1)) / np.array(std).reshape(1, 3, 1, 1)
    return torch.from_numpy(x.astype(np.float32))


def write_parity(model, meta: dict, config, onnx_sha: str, out_dir: Path) -> None:
    with torch.no_grad():
        prob = torch.sigmoid(model(normalise(meta["gray"], config.mean, config.std))[3]).numpy()
    u16 = np.round(prob[:, 0] * 65535).astype("<u2")
    out_dir.mkdir(parents=True, exist_ok=True)
    # mtime 0 keeps the file byte-identical across exports of the same model.
    with open(out_dir / "bsnet-parity.u16.gz", "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as f:
        f.write(u16.tobytes())
    (out_dir / "bsnet-parity.json").write_text(json.dumps({
        "what": "PyTorch probabilities sigmoid(S2) of the fake-quantised model, u16 = round(p * 65535), "
                "N x 352 x 352 little-endian, gzip",
        "made_by": "models/export.py", "torch": torch.__version__,
        "onnx_sha256": onnx_sha, "inputs": meta["names"], "inputs_sha256": meta["sha256"],
        "shape": list(u16.shape),
    }, indent=2) + "\n")


def training_facts(run: Path) -> dict:
    facts = {}
    cfg = run / "config.json"
    if cfg.exists():
        c = json.loads(cfg.read_text())
        a = c.get("args", {})
        facts["config"] = {k: a[k] for k in ("epochs", "batch", "lr", "clip", "clip_mode", "sizes", "bf16", "channels_last", "seed",
                                             "data_stage", "init", "max_minutes", "ct_look_p", "select_on") if k in a}
        facts["config"].update({k: c[k] for k in ("torch", "platform", "threads", "counts") if k in c})
    log = run / "log.jsonl"
    if log.exists():
        rows = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
        # the run's own choice: its selection score where it logged one (--select-on)
        best = max(rows, key=lambda r: r.get("selection_score") or r.get("val_mean_dice") or -1.0)
        facts["epochs_run"] = len(rows)
        facts["best_epoch"] = best.get("epoch")
        facts["best_val_mean_dice"] = best.get("val_mean_dice")
        if best.get("val_ct_mean_dice") is not None:
            facts["best_val_ct_mean_dice"] = best["val_ct_mean_dice"]
        facts["minutes"] = round(sum(r.get("seconds", 0) for r in rows) / 60, 1)
    return facts


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--checkpoint", required=True, type=Path)
    p.add_argument("--out", type=Path, default=REPO / "models/bsnet-v1.onnx")
    p.add_argument("--manifest", type=Path, default=REPO / "models/bsnet.manifest.json")
    p.add_argument("--version", default="1.0.0")
    p.add_argument("--fp32-out", type=Path)
    p.add_argument("--opset", type=int, default=13)
    p.add_argument("--parity-dir", type=Path, default=REPO / "models/parity")
    p.add_argument("--training-note", default="", help="free text for the manifest (hardware, recipe)")
    args = p.parse_args()

    model = create_model(imagenet_head=False)
    state = {k: v for k, v in load_model_state(args.checkpoint).items() if not k.startswith("backbone.fc.")}
    model.load_state_dict(state, strict=True)
    model.eval()
    config = model.config

    if args.fp32_out:
        args.fp32_out.parent.mkdir(parents=True, exist_ok=True)
        export_onnx(model, args.fp32_out, opset=args.opset)
        print(f"fp32 export: {args.fp32_out} {args.fp32_out.stat().st_size / 1e6:.1f} MB")

    convs = fake_quantize_conv_weights_(model)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        export_onnx(model, tmp / "fq.onnx", opset=args.opset)
        compressed, stats = quantize_onnx_conv_weights(onnx.load(str(tmp / "fq.onnx")))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        onnx.save(compressed, str(args.out))
        onnx_sha = sha256_file(args.out)
        print(f"shipped export: {args.out} {args.out.stat().st_size / 1e6:.1f} MB, {convs} convs int8 "
              f"(re-quantisation error after BN folding {stats['max_abs_rounding_error']:.2e})")
        write_parity(model, parity_inputs(tmp), config, onnx_sha, args.parity_dir)

    manifest = {
        "name": "bsnet",
        "version": args.version,
        "file": os.path.relpath(args.out, args.manifest.parent),
        "sha256": onnx_sha,
        "inputSize": config.input_size,
        "inputName": "image",
        "probabilityOutput": "prob",
        "normalization": {"mean": list(config.mean), "std": list(config.std)},
        "weightStorage": "int8-dequantize-at-load",
        "description": "BSNet (Cong et al., IEEE TCE 2022), Res2Net-50 v1b backbone, trained from scratch on "
                       "COVID-SemiSeg. Conv weights stored int8 per output channel, dequantised at load.",
        "weights": {"storage": "int8 per-output-channel symmetric + DequantizeLinear (opset 13)",
                    "parameters": sum(v.numel() for v in model.state_dict().values() if v.dtype.is_floating_point)},
        "training": {"note": args.training_note, "checkpoint_sha256": sha256_file(args.checkpoint),
                     **training_facts(args.checkpoint.parent)},
    }
    old = json.loads(args.manifest.read_text()) if args.manifest.exists() else {}
    if old.get("scores") and old.get("sha256") == onnx_sha:
        manifest["scores"] = old["scores"]
    args.manifest.write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"manifest: {args.manifest} (sha256 {onnx_sha[:12]})")


if __name__ == "__main__":
    sys.exit(main())
