"""Turn the shipped ONNX model back into a checkpoint that train.py can start from (--init).

    python3 models/import_onnx.py --out models/runs/from-1.1.0/init.pt \
        [--onnx models/bsnet-v1.onnx] [--calibration-size 352] [--batch 4]

Checkpoints are not kept in git, so this is how training continues from the shipped weights.
See bsnet/onnx_import.py for how BatchNorm is unfolded. Calibration uses the labelled train/
slices outside the validation split, unaugmented, at --calibration-size. When the ONNX file is
the one models/parity/ was made from, the rebuilt model is checked against those PyTorch outputs
(the shipped function on three real slices) and the script fails if they differ by > 1e-3.
"""

import argparse
import gzip
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from bsnet import create_model
from bsnet.onnx_import import import_onnx_weights
from export import normalise, parity_inputs, sha256_file
from training.data import (DEFAULT_DATA_ROOT, DEFAULT_SPLIT_FILE, MultiScaleCollate,
                           SegmentationDataset, load_validation_split)

REPO = Path(__file__).resolve().parents[1]
PARITY_TOLERANCE = 1e-3


def parity_check(model, parity_dir: Path, onnx_sha: str):
    """Max |p_rebuilt - p_shipped| on the parity slices, or None when the vectors belong to
    another ONNX file."""
    meta_path = parity_dir / "bsnet-parity.json"
    if not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text())
    if meta.get("onnx_sha256") != onnx_sha:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        inputs = parity_inputs(Path(tmp))
    if inputs["sha256"] != meta["inputs_sha256"]:
        raise SystemExit("parity inputs changed since the vectors were written")
    expected = np.frombuffer(gzip.decompress((parity_dir / "bsnet-parity.u16.gz").read_bytes()),
                             dtype="<u2").reshape(meta["shape"]).astype(np.float64) / 65535
    model.eval()
    with torch.no_grad():
        x = normalise(inputs["gray"], model.config.mean, model.config.std)
        prob = torch.sigmoid(model(x)[3]).numpy()[:, 0]
    return float(np.abs(prob - expected).max())


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--onnx", type=Path, default=REPO / "models/bsnet-v1.onnx")
    p.add_argument("--out", type=Path, required=True, help="checkpoint to write (train.py --init)")
    p.add_argument("--data-root", type=Path, default=DEFAULT_DATA_ROOT)
    p.add_argument("--split-file", type=Path, default=DEFAULT_SPLIT_FILE)
    p.add_argument("--calibration-size", type=int, default=352)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--calibration-limit", type=int, default=0,
                   help="calibrate on the first N slices only (0 = all 40); for quick checks")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--parity-dir", type=Path, default=REPO / "models/parity")
    p.add_argument("--skip-parity", action="store_true",
                   help="do not run the parity check (it needs Node for the inputs: the GPU machine has none)")
    args = p.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)  # the unused ImageNet head stays reproducible
    started = time.time()
    model = create_model()
    cfg = model.config
    train_stems, _ = load_validation_split(args.data_root / "train", args.split_file, create=False)
    if args.calibration_limit > 0:
        train_stems = train_stems[:args.calibration_limit]
    dataset = SegmentationDataset(args.data_root / "train", train_stems, cfg.mean, cfg.std)
    loader = DataLoader(dataset, batch_size=args.batch, shuffle=False,
                        collate_fn=MultiScaleCollate((args.calibration_size,)))

    example = torch.zeros(1, 3, cfg.input_size, cfg.input_size)
    facts = import_onnx_weights(model, args.onnx, example, lambda: (b["image"] for b in loader))
    onnx_sha = sha256_file(args.onnx)
    drift = None if args.skip_parity else parity_check(model, args.parity_dir, onnx_sha)
    if args.skip_parity:
        print("parity not checked (--skip-parity)")
    elif drift is not None:
        print(f"parity with the shipped PyTorch outputs: max |diff| {drift:.2e}")
        if drift > PARITY_TOLERANCE:
            raise SystemExit(f"rebuilt model differs from the shipped one by {drift:.2e} > {PARITY_TOLERANCE}")
    else:
        print("no parity vectors for this ONNX file: not checked")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    facts.update({"onnx": os.path.relpath(args.onnx, REPO), "onnx_sha256": onnx_sha, "parity_max_abs_diff": drift,
                  "calibration_size": args.calibration_size, "seconds": round(time.time() - started, 1)})
    torch.save({"model": {k: v.contiguous() for k, v in model.state_dict().items()},
                "imported_from_onnx": facts, "model_config": cfg.to_dict()}, args.out)
    print(json.dumps(facts))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
