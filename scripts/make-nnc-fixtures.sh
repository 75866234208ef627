#!/bin/sh
# Regenerate testdata/nnc/ with the reference NNCodec 2.1.3 python (default /opt/nnc-ref).
# Adds the LeNet-300-100 streams when testdata/lenet300.onnx (or $LENET_ONNX) exists.
set -eu
cd "$(dirname "$0")/.."
PY="${NNC_PYTHON:-/opt/nnc-ref/bin/python}"
LENET=""
MODEL="${LENET_ONNX:-testdata/lenet300.onnx}"
if [ -f "$MODEL" ]; then LENET="--lenet $MODEL"; fi
rm -rf testdata/nnc/random testdata/nnc/lenet300
exec "$PY" scripts/make_nnc_fixtures.py testdata/nnc $LENET
