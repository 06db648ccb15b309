#!/usr/bin/env bash
# How the shipped model was trained: BSNet from scratch (no ImageNet weights can be fetched here)
# on a 2-core CPU inside a ~90-minute box. Semi-Inf-Net's recipe in two stages:
#   1. pre-train on pseudo/ (Semi-Inf-Net's soft labels), 1000 slices spread over all 20 volumes, at 256;
#   2. fine-tune on the 40 labelled train/ slices outside the validation split, at 256 and 352
#      (448 dropped: it costs 1.5x a 352 step, which this box cannot afford).
# Every model choice is made on the validation split (models/splits/covid-semiseg-val.txt).
# Usage: models/recipes/train-cpu-2core.sh [RUN_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
RUN=${1:-models/runs/cpu-2core}
PY=${PYTHON:-/usr/bin/python3}
COMMON=(--batch 4 --bf16 --channels-last --threads 2 --seed 0)

"$PY" models/train.py --out "$RUN/pseudo" --data-stage pseudo --limit-train 1000 --epochs 1 --sizes 256 "${COMMON[@]}"
"$PY" models/train.py --out "$RUN/labelled" --data-stage labelled --init "$RUN/pseudo/last.pt" \
  --epochs 100 --sizes 256,352 --max-minutes 70 "${COMMON[@]}"
