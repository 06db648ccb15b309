#!/usr/bin/env bash
# Continues training from the *shipped* ONNX file, since checkpoints are not kept in git (1.2.0 was
# this recipe run on 1.1.0's file with SEED=2; each later cycle runs it on the file it replaces):
#   0. import_onnx.py rebuilds trainable weights from models/bsnet-v1.onnx (BatchNorm unfolded with
#      statistics calibrated on the labelled train/ slices; checked against models/parity/);
#   1. four passes over all 1600 pseudo/ slices at 256: Semi-Inf-Net's soft
#      labels, from 20 volumes the 40 labelled slices do not cover;
#   2. the labelled fine-tune at 256/352 with lr 1e-4 (1e-5 from epoch 41, 1e-6 from 81) and an
#      average of the weights (decay 0.99 per step, ~10 epochs), which is what is validated and
#      kept: 1.1.0's validation Dice jittered by +-.01 from epoch to epoch on 10 slices, and an
#      average of nearby weights is both smoother and usually better than any one of them.
# Training sees the stored-CT look (air clipped near -1024 HU, window jitter) with probability
# CT_LOOK_P (0.5; 0 is how 1.0.0-1.2.0 were trained) besides the phone-photo augmentations.
# A 2-core CPU, ~2 h in all. Choices are made on the validation split only.
# Usage: [SEED=2] [CT_LOOK_P=0.5] [PSEUDO_EPOCHS=4] [LABELLED_EPOCHS=100] [DECAY_EPOCH=40] \
#          [PSEUDO_MINUTES=60] [LABELLED_MINUTES=70] models/recipes/train-cpu-2core-from-onnx.sh [RUN_DIR]
# The defaults are 1.2.0's run; a slower host can shorten the stages (see models/records/).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUN=${1:-models/runs/cpu-2core-from-onnx}
PY=${PYTHON:-/usr/bin/python3}
COMMON=(--batch 4 --bf16 --channels-last --threads 2 --seed "${SEED:-2}" --ct-look-p "${CT_LOOK_P:-0.5}")

"$PY" models/import_onnx.py --onnx models/bsnet-v1.onnx --out "$RUN/init.pt"
# PSEUDO_EPOCHS=0 skips the pseudo stage: the labelled stage starts from the shipped weights.
LABELLED_INIT="$RUN/init.pt"
if [ "${PSEUDO_EPOCHS:-4}" -gt 0 ]; then
  "$PY" models/train.py --out "$RUN/pseudo" --data-stage pseudo --init "$RUN/init.pt" \
    --epochs "${PSEUDO_EPOCHS:-4}" --sizes 256 --max-minutes "${PSEUDO_MINUTES:-60}" "${COMMON[@]}"
  LABELLED_INIT="$RUN/pseudo/last.pt"
fi
"$PY" models/train.py --out "$RUN/labelled" --data-stage labelled --init "$LABELLED_INIT" \
  --epochs "${LABELLED_EPOCHS:-100}" --sizes 256,352 --decay-epoch "${DECAY_EPOCH:-40}" --decay-rate 0.1 \
  --ema 0.99 --max-minutes "${LABELLED_MINUTES:-70}" "${COMMON[@]}"
