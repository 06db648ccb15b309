#!/usr/bin/env bash
# The Python side of `npm test`: BSNet's definition, training pieces and weight compression,
# with Debian's python3-torch (no PyPI here). A laptop without it gets a clear SKIP line; CI
# installs it (.ci/run), so there a missing torch is an error, never a silent skip.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-/usr/bin/python3}
if ! "$PY" -c "import torch, onnx, scipy, PIL" 2>/dev/null; then
  echo "SKIPPED models/tests: $PY lacks torch/onnx/scipy/PIL (apt-get install python3-torch python3-onnx python3-scipy python3-pil)"
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
exec "$PY" -m unittest discover -s models/tests -t .
