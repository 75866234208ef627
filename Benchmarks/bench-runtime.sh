#!/usr/bin/env bash
# Benchmark: throughput (samples/s at batch 64, both cores) of the nncodec Runtime against
# onnxruntime, interleaved in the same run, on every testdata model and a CIFAR VGG-16
# (with and without BatchNormalization), and six torchvision ImageNet models at batch 16
# (224×224, seeded random weights, exported into Benchmarks/models/ by export_torchvision.py
# with TV_PYTHON, default /opt/nnc-ref/bin/python; skipped when torchvision is missing).
#   Benchmarks/bench-runtime.sh [REPS] [SECONDS]     (defaults 5 and 2)
# Extra arguments after those go to bench_runtime.py (e.g. --profile, --only lenet5,vgg16).
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-5}; secs=${2:-2}; shift $(( $# > 2 ? 2 : $# ))
py=.venv/bin/python
if ! $py -c "import onnx, onnxruntime, numpy" 2>/dev/null; then
  make -s deps-python >/dev/null 2>&1 || true
  $py -c "import onnx, onnxruntime, numpy" 2>/dev/null || py=/opt/nnc-ref/bin/python
fi
swift build -c release --package-path Benchmarks --product runtime-bench >/dev/null
bin=$(swift build -c release --package-path Benchmarks --show-bin-path)/runtime-bench
work=${BENCH_DIR:-/tmp/nncodec-bench-runtime}; mkdir -p "$work"
[ -f "$work/vgg16.onnx" ] || $py Benchmarks/make_vgg16.py "$work/vgg16.onnx" >/dev/null
[ -f "$work/vgg16_bn.onnx" ] || $py Benchmarks/make_vgg16.py "$work/vgg16_bn.onnx" --bn >/dev/null
tv=()
tvpy=${TV_PYTHON:-/opt/nnc-ref/bin/python}
if [ -x "$tvpy" ] && "$tvpy" -c "import torchvision" 2>/dev/null; then
  for f in $("$tvpy" Benchmarks/export_torchvision.py Benchmarks/models 2>/dev/null); do
    tv+=(--extra "$(basename "$f" .onnx)=$f@16")
  done
fi
echo "$(git rev-parse --short HEAD 2>/dev/null || echo '?'); swift $(swift --version 2>&1 | grep -o 'version [0-9.]*' | head -1 | cut -d' ' -f2); OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
$py Benchmarks/bench_runtime.py --bin "$bin" --reps "$reps" --seconds "$secs" --work "$work" \
  --extra vgg16="$work/vgg16.onnx" --extra vgg16_bn="$work/vgg16_bn.onnx" ${tv[@]+"${tv[@]}"} "$@"
