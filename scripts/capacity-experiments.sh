#!/usr/bin/env bash
# The capacity (SHC) experiments of docs/seed-reproduction.md: for every testdata digits
# classifier, the reliability table and top-1 vs sparsity (SHC, global magnitude, layer-wise
# magnitude) as CSV + SVG. SHC is measured on the training split; top-1 on the test split.
# Usage: scripts/capacity-experiments.sh [NNCODEC] [OUTDIR]   (default: a release build, docs/capacity)
set -euo pipefail
cd "$(dirname "$0")/.."
NNCODEC=${1:-.build/release/nncodec}
OUT=${2:-docs/capacity}
[ -x "$NNCODEC" ] || swift build -c release --product nncodec
mkdir -p "$OUT"
for m in lenet300 lenet5 resnet_small concat_dw; do
  echo "== $m" >&2
  "$NNCODEC" criticality "testdata/$m.onnx" \
    --data testdata/digits_train_x28.npy --labels testdata/digits_train_y.npy \
    --test-data testdata/digits_test_x28.npy --test-labels testdata/digits_test_y.npy \
    --top 5 --curve-csv "$OUT/$m.csv" --curve-svg "$OUT/$m.svg" --json > "$OUT/$m.json"
done
