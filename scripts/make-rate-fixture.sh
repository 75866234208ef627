#!/bin/sh
# Regenerates testdata/rate/ (an allocated per-tensor-qp stream and what NNCodec 2.1.3 decodes
# from it). Needs NNCodec: /work/shared/tools/nnc-ref/setup.sh.
set -eu
cd "$(dirname "$0")/.."
swift build --product nncodec >/dev/null
exec "${NNC_PYTHON:-/opt/nnc-ref/bin/python}" scripts/make_rate_fixture.py "$PWD/.build/debug/nncodec"
