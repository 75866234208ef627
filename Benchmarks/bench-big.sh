#!/usr/bin/env bash
# Benchmark: encode and decode of a synthetic float32 model of SIZE_GB (default 4) with
# external data (Benchmarks/make_big_external.py, made in BENCH_DIR, not committed), with
# wall time, CPU time and peak RSS of each whole process (/usr/bin/time).
#   Benchmarks/bench-big.sh [SIZE_GB] [-q N and other encode options...]
# Environment: BENCH_DIR (default /tmp/nncodec-big), BENCH_PYTHON (numpy + onnx).
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-4}; shift || true
opts=("$@"); [ ${#opts[@]} -gt 0 ] || opts=(-q 8)
py=${BENCH_PYTHON:-.venv/bin/python}
swift build -c release --product nncodec >/dev/null
bin=.build/release/nncodec
work=${BENCH_DIR:-/tmp/nncodec-big}; mkdir -p "$work"
[ -f "$work/big.onnx" ] || "$py" Benchmarks/make_big_external.py "$work/big.onnx" "$size"
echo "model: $(stat -c %s "$work/big.onnx.data") bytes of float32 external data; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "encode ${opts[*]}: %e s wall, %U s user, %S s sys, peak RSS %M KiB" \
  "$bin" encode "$work/big.onnx" "${opts[@]}" -o "$work/big.nnc" --force >/dev/null
echo "stream: $(stat -c %s "$work/big.nnc") bytes"
/usr/bin/time -f "decode --external-data: %e s wall, %U s user, %S s sys, peak RSS %M KiB" \
  "$bin" decode "$work/big.nnc" -o "$work/out.onnx" --external-data --force >/dev/null
echo "decoded: $(stat -c %s "$work/out.onnx") + $(stat -c %s "$work/out.onnx.data") bytes (external data)"
