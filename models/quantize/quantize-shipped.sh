#!/usr/bin/env bash
# Makes models/bsnet-v1-int8.onnx and models/bsnet-int8.manifest.json from the shipped float file:
# plan the tensors, calibrate them on training slices only (the validation split excluded), insert
# the QDQ pairs with the method chosen on validation (METHOD, default minmax: see models/README.md),
# then score validation and test through the worker's backend and record them in the manifest.
# Run from the repository root; needs Debian's python3-onnx and the data in ../shared.
set -euo pipefail
METHOD="${METHOD:-minmax}"
SLICES="${SLICES:-32}"
DATA=../shared/data/covid-semiseg
WORK=.bench/quant
mkdir -p "$WORK"
/usr/bin/python3 models/quantize/qdq.py plan --model models/bsnet-v1.onnx --out "$WORK"
npx tsx models/quantize/calibrate.ts --plan "$WORK" --images "$DATA/train/images" --masks "$DATA/train/masks" \
  --exclude models/splits/covid-semiseg-val.txt --limit "$SLICES"
/usr/bin/python3 models/quantize/qdq.py insert --model models/bsnet-v1.onnx --ranges "$WORK/ranges-$METHOD.json" --out models/bsnet-v1-int8.onnx
/usr/bin/python3 models/quantize/write_manifest.py --float models/bsnet.manifest.json --file bsnet-v1-int8.onnx \
  --ranges "$WORK/ranges-$METHOD.json" --out models/bsnet-int8.manifest.json
npm run evaluate -- --images "$DATA/train/images" --masks "$DATA/train/masks" --names models/splits/covid-semiseg-val.txt \
  --model models/bsnet-int8.manifest.json --record validation
npm run evaluate -- --images "$DATA/test/images" --masks "$DATA/test/masks" --model models/bsnet-int8.manifest.json --record test
