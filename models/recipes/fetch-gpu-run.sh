#!/usr/bin/env bash
# After train-gpu-h200.sh: join the compact checkpoint's parts and unpack the records, so that
# export.py --checkpoint RUN_DIR/labelled/best.compact.pt finds its config.json and log.jsonl.
# Usage: models/recipes/fetch-gpu-run.sh FILES_AT RUN_DIR
set -euo pipefail
FROM=${1:?the folder the device tool put the files in (files_at)}
RUN=${2:?the run folder to write, e.g. models/runs/gpu}
mkdir -p "$RUN/labelled"
cat "$FROM"/best.compact.pt.part* > "$RUN/labelled/best.compact.pt"
tar xzf "$FROM/records.tar.gz" -C "$RUN"
cp "$FROM/console.log" "$RUN/"
sha256sum "$RUN/labelled/best.compact.pt"
grep -h '"best": true' "$RUN/labelled/log.jsonl" | tail -1
