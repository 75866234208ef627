#!/usr/bin/env bash
# Regenerates Sources/CONNXProto from proto/onnx.proto (ONNX 1.17.0, opset 22, IR 10)
# with Debian's protoc-c (package protobuf-c-compiler, 1.4.1).  The output is committed:
# nothing is generated at build time.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v protoc-c >/dev/null || { echo "protoc-c missing: apt-get install protobuf-c-compiler" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd proto && protoc-c --c_out="$tmp" onnx.proto)
cp "$tmp/onnx.pb-c.c" Sources/CONNXProto/onnx.pb-c.c
cp "$tmp/onnx.pb-c.h" Sources/CONNXProto/include/onnx.pb-c.h
echo "regenerated Sources/CONNXProto from proto/onnx.proto"
