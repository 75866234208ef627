#!/bin/sh
# Regenerate testdata/nnc/entrypoints.json: NNCodec 2.1.3 (default /opt/nnc-ref) decodes our
# --block-scan streams of testdata/lenet300.onnx; the hashes of what it decodes are recorded.
set -eu
cd "$(dirname "$0")/.."
swift build --product nncodec
exec "${NNC_PYTHON:-/opt/nnc-ref/bin/python}" scripts/make_entry_point_fixture.py .build/debug/nncodec \
    testdata/lenet300.onnx testdata/nnc/entrypoints.json
