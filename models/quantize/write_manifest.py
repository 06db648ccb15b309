"""The manifest of a QDQ file made by qdq.py: the float model's facts, this file's name and
sha256, `activations: int8-qdq`, and how it was quantised (method, calibration slices, tensors).
Scores are recorded afterwards by `npm run evaluate -- --record`."""
import argparse
import hashlib
import json
import os


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--float", required=True, help="the float model's manifest")
    p.add_argument("--file", required=True, help="the QDQ file, relative to the manifest")
    p.add_argument("--ranges", required=True, help="the calibration ranges used (calibrate.ts output)")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    with open(a.float) as f:
        base = json.load(f)
    with open(a.ranges) as f:
        ranges = json.load(f)
    path = os.path.join(os.path.dirname(a.out), a.file)
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    manifest = {k: v for k, v in base.items() if k not in ("scores",)}
    manifest.update({
        "version": f"{base['version']}-int8",
        "file": a.file,
        "sha256": sha,
        "activations": "int8-qdq",
        "description": base.get("description", "") + " Activations quantised to uint8 per tensor (QDQ), calibrated on training slices; onnxruntime runs the convolutions as int8 QLinearConv.",
        "quantization": {
            "from": {"file": base["file"], "sha256": base["sha256"], "version": base["version"]},
            "format": "QDQ, opset 13: uint8 asymmetric per-tensor activations, int8 symmetric per-output-channel weights (unchanged)",
            "tensors": len(ranges["ranges"]),
            "placement": "each Conv's activation input and its output (after its Relu when that is the only consumer); everything else float",
            "calibration": {"method": ranges["method"], "slices": ranges["slices"], "images": "../shared/data/covid-semiseg/train/images (validation split excluded)"},
            "tool": "models/quantize/quantize-shipped.sh (qdq.py, calibrate.ts)",
        },
    })
    with open(a.out, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"wrote {a.out} ({sha[:12]})")


if __name__ == "__main__":
    main()
