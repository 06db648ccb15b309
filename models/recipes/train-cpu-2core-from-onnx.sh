#!/usr/bin/env bash
# Continues training from the *shipped* ONNX file (1.1.0), since checkpoints are not kept in git:
#   0. import_onnx.py rebuilds trainable weights from models/bsnet-v1.onnx (BatchNorm unfolded with
#      statistics calibrated on the labelled train/ slices; checked against models/parity/);
#   1. four more passes over all 1600 pseudo/ slices at 256 (1.1.0 had one): Semi-Inf-Net's soft
#      labels, from 20 volumes the 40 labelled slices do not cover;
#   2. the labelled fine-tune at 256/352 with lr 1e-4 (1e-5 from epoch 41) and a moving average of the
#      weights (decay 0.99 per step, ~10 epochs), which is what is validated and kept: 1.1.0's
#      validation Dice jittered by +-.01 from epoch to epoch on 10 slices, and an average of
#      nearby weights is both smoother and usually better than any one of them.
# A 2-core CPU, ~2 h in all. Choices are made on the validation split only.
# Usage: models/recipes/train-cpu-2core-from-onnx.sh [RUN_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
RUN=${1:-models/runs/cpu-2core-from-onnx}
PY=${PYTHON:-/usr/bin/python3}
COMMON=(--batch 4 --bf16 --channels-last --threads 2 --seed 2)

"$PY" models/import_onnx.py --onnx models/bsnet-v1.onnx --out "$RUN/init.pt"
"$PY" models/train.py --out "$RUN/pseudo" --data-stage pseudo --init "$RUN/init.pt" \
  --epochs 4 --sizes 256 --max-minutes 60 "${COMMON[@]}"
"$PY" models/train.py --out "$RUN/labelled" --data-stage labelled --init "$RUN/pseudo/last.pt" \
  --epochs 100 --sizes 256,352 --decay-epoch 40 --decay-rate 0.1 --ema 0.99 --max-minutes 70 "${COMMON[@]}"
