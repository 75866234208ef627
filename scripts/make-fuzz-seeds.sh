#!/usr/bin/env bash
# Regenerates the committed seed streams of fuzz-nnr-decode (Fuzz/seeds/fuzz-nnr-decode/):
# nncodec's own streams, which carry the ONNX graph in a topology unit, under several
# settings. NNCodec's streams (testdata/nnc) are added by scripts/fuzz-seeds.sh.
#   swift build && scripts/make-fuzz-seeds.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NNCODEC=${NNCODEC:-$ROOT/.build/debug/nncodec}
OUT=$ROOT/Fuzz/seeds/fuzz-nnr-decode
rm -rf "$OUT"; mkdir -p "$OUT"
enc() { "$NNCODEC" encode "$ROOT/testdata/ops/$1.onnx" -o "$OUT/$2.nnc" --force "${@:3}" > /dev/null; }
enc conv_valid conv_valid
enc conv_same_upper conv_same_upper_dq --dq
enc conv_large_group_pointwise grouped_q4 -q 4
enc conv_large conv_large_lossless --lossless-nonweights
enc convtranspose_large convtranspose_dq_q6 --dq -q 6
enc conv_valid conv_valid_no_topology --no-topology
ls -l "$OUT"
