#!/usr/bin/env bash
# The main job on a bundled model, as `make run` runs it:
#   run-main-job.sh NNCODEC MODEL OUTDIR
set -euo pipefail
nncodec=$1; model=$2; out=$3
name=$(basename "$model" .onnx)
echo "== nncodec info $model"
"$nncodec" info "$model" --top 5
echo
echo "== nncodec sizes $model --7z $out/$name.7z"
"$nncodec" sizes "$model" --7z "$out/$name.7z" --force
if "$nncodec" help encode >/dev/null 2>&1; then
  echo
  echo "== nncodec encode $model -q 15 -o $out/$name.nnc --sizes"
  "$nncodec" encode "$model" -q 15 -o "$out/$name.nnc" --force --sizes
  echo
  echo "== nncodec decode $out/$name.nnc -o $out/$name.decoded.onnx"
  "$nncodec" decode "$out/$name.nnc" -o "$out/$name.decoded.onnx" --force
fi
if "$nncodec" help eval >/dev/null 2>&1; then
  echo
  echo "== nncodec eval (original and decoded) on the digits test split"
  for m in "$model" "$out/$name.decoded.onnx"; do
    [ -f "$m" ] && "$nncodec" eval "$m" --data testdata/digits_test_x28.npy --labels testdata/digits_test_y.npy
  done
fi
