#!/usr/bin/env bash
# Continues the shipped v1.0.0 run (models/recipes/train-cpu-2core.sh) inside another ~75-minute
# CPU box, where v1 stopped with a constant learning rate and a validation Dice that had
# plateaued around .65 (noisy peaks to .70 on 10 slices):
#   1. one pass over all 1600 pseudo/ slices (v1 saw 1000), at 256, from v1's best weights;
#   2. the labelled fine-tune again, with the learning rate cut 10x after 25 epochs so the
#      last epochs settle instead of jittering around the plateau.
# Choices are made on the validation split only. Usage: models/recipes/train-cpu-2core-continue.sh [V1_RUN] [RUN_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
V1=${1:-models/runs/cpu-2core}
RUN=${2:-models/runs/cpu-2core-continue}
PY=${PYTHON:-/usr/bin/python3}
COMMON=(--batch 4 --bf16 --channels-last --threads 2 --seed 1)

"$PY" models/train.py --out "$RUN/pseudo" --data-stage pseudo --init "$V1/labelled/best.pt" \
  --epochs 1 --sizes 256 --max-minutes 32 "${COMMON[@]}"
"$PY" models/train.py --out "$RUN/labelled" --data-stage labelled --init "$RUN/pseudo/last.pt" \
  --epochs 100 --sizes 256,352 --decay-epoch 25 --decay-rate 0.1 --max-minutes 40 "${COMMON[@]}"
