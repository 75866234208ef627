#!/usr/bin/env bash
# The smallest stream within 0.1 point of the original's validation top-1: nncodec's
# per-tensor rate allocation against NNCodec 2.1.3's best over its qp grid, in one run.
#   Benchmarks/bench-rate.sh [OUT_DIR] [MODEL.onnx ...]   (default: the testdata classifiers,
#   plus Benchmarks/models/vgg16_digits.onnx when Benchmarks/train_vgg16_digits.py made it)
# Needs a release build (swift build -c release --product nncodec) and NNCodec 2.1.3
# (/work/shared/tools/nnc-ref/setup.sh). Results: docs/rate-accuracy.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); root=$(dirname "$here")
out=${1:-$root/out/bench-rate}; shift || true
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  models=("$root/testdata/lenet300.onnx" "$root/testdata/lenet5.onnx" "$root/testdata/resnet_small.onnx" "$root/testdata/concat_dw.onnx")
  [ -f "$here/models/vgg16_digits.onnx" ] && models+=("$here/models/vgg16_digits.onnx")
fi
py=${NNC_REF_PYTHON:-/opt/nnc-ref/bin/python}
[ -x "$root/.build/release/nncodec" ] || { echo "build first: swift build -c release --product nncodec" >&2; exit 1; }
echo "machine: $(nproc) cores, $(uname -m), load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
nice -n 19 "$py" "$here/bench_rate.py" "$root/.build/release/nncodec" "$out" "${models[@]}"
