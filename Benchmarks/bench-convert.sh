#!/usr/bin/env bash
# Benchmark: `nncodec convert` (load + save through libprotobuf-c) of a ≥60 MB model,
# against the onnx Python package's load + save of the same file, in the same run.
#   Benchmarks/bench-convert.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
make -s release deps-python >/dev/null
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
work=${BENCH_DIR:-/tmp/nncodec-bench}; mkdir -p "$work"
[ -f "$work/vgg16.onnx" ] || .venv/bin/python Benchmarks/make_vgg16.py "$work/vgg16.onnx"
size=$(stat -c %s "$work/vgg16.onnx")
echo "model: vgg16.onnx, $size bytes; $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
measure() {  # label, command...
  local label=$1; shift
  local best_t=999 best_m=0
  for _ in $(seq "$runs"); do
    out=$(/usr/bin/time -f '%e %M' "$@" 2>&1 >/dev/null | tail -1)
    t=${out% *}; m=${out#* }
    best_t=$(python3 -c "print(min($best_t, $t))"); best_m=$m
  done
  python3 -c "print(f'{\"$label\":28s} best of $runs: {$best_t:6.2f} s   peak RSS {$best_m/1024:7.1f} MiB = {$best_m*1024/$size:4.2f}x model')"
}
measure "nncodec convert" .build/release/nncodec convert "$work/vgg16.onnx" -o "$work/out.onnx" --force
cmp -s "$work/vgg16.onnx" "$work/out.onnx" && echo "  output byte-identical to input"
measure "nncodec convert --external" .build/release/nncodec convert "$work/vgg16.onnx" -o "$work/ext.onnx" --external-data --force
measure "onnx.load + onnx.save" .venv/bin/python -c "import onnx,sys; onnx.save(onnx.load(sys.argv[1]), sys.argv[2])" "$work/vgg16.onnx" "$work/py.onnx"
