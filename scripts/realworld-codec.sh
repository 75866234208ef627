#!/usr/bin/env bash
# The codec flow on all eight torchvision models of testdata/realworld (make test runs it
# too): encode/decode at -q 15 and -q 8 --dq, onnx.checker, decoded tensors on the
# quantizer lattice, decoded model = original graph with the dequantized weights (onnxruntime,
# 1e-4), output error within 4× the measured sensitivity. Prints one line per model and mode.
#   scripts/realworld-codec.sh [NNCODEC_BINARY]     (default .build/debug/nncodec; ~1.5 min)
set -euo pipefail
cd "$(dirname "$0")/.."
export NNCODEC="${1:-$PWD/.build/debug/nncodec}"
[ -x .venv/bin/python ] || ./scripts/install-deps.sh --python
.venv/bin/python -m pytest -q -s -p no:cacheprovider tests/python/test_realworld.py -k encodes_and_decodes 2>&1 \
  | grep -vE "onnxruntime|^\s*$"
