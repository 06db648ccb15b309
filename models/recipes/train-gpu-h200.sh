#!/usr/bin/env bash
# The whole model pipeline's GPU part in ONE call of the lent H200 (the `device` tool): a task that
# draws one has 15 minutes of device time, start-up included, so this is sized to ~8 minutes.
#   0. rebuild trainable weights from the shipped ONNX file (import_onnx.py; parity is checked
#      here afterwards, since the GPU machine has no Node);
#   1. pseudo/ stage: the packed subset of Semi-Inf-Net's pseudo labels (models/device/pack_data.py
#      fits ~780 of 1600 slices beside the 44 MB model in the 64 MiB a call carries), multi-scale
#      256/352/448 as the recipe in BSNET.md, batch 16, for PSEUDO_MIN minutes;
#   2. labelled stage: the 40 labelled train/ slices, 256/352/448, weight average (--ema), model
#      selection on the validation split, for LABELLED_MIN minutes;
#   3. into $OUT: the selected weights in the int8 compact form (compact_checkpoint.py, ~44 MB,
#      split into 15 MB parts: the tool returns 8 files of at most 16 MB), the run records, the log.
#
# Before the call (here):  /usr/bin/python3 models/device/pack_data.py
# The call:                run(command="bash models/recipes/train-gpu-h200.sh", carry=[".device-data"], timeout_s=600)
# After it (here):         bash models/recipes/fetch-gpu-run.sh FILES_AT models/runs/gpu
#                          then export.py / npm run evaluate as in models/README.md.
# Dry run on a CPU:        DEVICE=cpu THREADS=1 LIMIT=8 SIZES=160 BATCH=4 WORKERS=0 PSEUDO_MIN=0.1 LABELLED_MIN=0.1 \
#                          OUT=/tmp/gpu-out bash models/recipes/train-gpu-h200.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:?set OUT (the device tool sets it)}
RUN=${RUN:-/tmp/bsnet-gpu-run}
DATA=${DATA:-.device-data/covid-semiseg}
PY=${PYTHON:-python3}
DEVICE=${DEVICE:-cuda}
SIZES=${SIZES:-256,352,448}
BATCH=${BATCH:-16}
WORKERS=${WORKERS:-8}
PSEUDO_MIN=${PSEUDO_MIN:-4.5}
LABELLED_MIN=${LABELLED_MIN:-2.5}
LIMIT=${LIMIT:-0}
THREADS=${THREADS:-8}
export PYTHONUNBUFFERED=1
[ -d "$DATA/pseudo" ] || { echo "no $DATA: run models/device/pack_data.py here and carry .device-data" >&2; exit 2; }
mkdir -p "$OUT" "$RUN"
COMMON=(--device "$DEVICE" --bf16 --channels-last --threads "$THREADS" --workers "$WORKERS" --seed 3
        --data-root "$DATA" --sizes "$SIZES" --limit-train "$LIMIT")
{
  date -u +%FT%TZ
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || echo "no nvidia-smi"
  "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
  cat "$DATA/pack.json"
  "$PY" models/import_onnx.py --onnx models/bsnet-v1.onnx --out "$RUN/init.pt" --data-root "$DATA" \
    --skip-parity --threads "$THREADS"
  "$PY" models/train.py --out "$RUN/pseudo" --data-stage pseudo --init "$RUN/init.pt" \
    --epochs 200 --batch "$BATCH" --max-minutes "$PSEUDO_MIN" "${COMMON[@]}"
  "$PY" models/train.py --out "$RUN/labelled" --data-stage labelled --init "$RUN/pseudo/last.pt" \
    --epochs 1000 --batch "$BATCH" --ema 0.99 --max-minutes "$LABELLED_MIN" "${COMMON[@]}"
  "$PY" models/compact_checkpoint.py "$RUN/labelled/best.pt" "$RUN/best.compact.pt"
  split -b 15M -d "$RUN/best.compact.pt" "$OUT/best.compact.pt.part"
  sha256sum "$RUN/best.compact.pt"
  tar czf "$OUT/records.tar.gz" -C "$RUN" pseudo/log.jsonl pseudo/config.json pseudo/curves.png \
    labelled/log.jsonl labelled/config.json labelled/curves.png
  date -u +%FT%TZ
} 2>&1 | tee "$OUT/console.log"
