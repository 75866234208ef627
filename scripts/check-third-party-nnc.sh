#!/usr/bin/env bash
# NNCodec 2.1.3 (unpatched) decodes our --no-topology streams of the nine third-party models
# bit-exactly, at block scan 0 and 3, with and without --dq (scripts/check_third_party_nnc.py).
# Needs the models (scripts/third-party-models.sh downloads them) and /opt/nnc-ref
# (../shared/tools/nnc-ref/setup.sh). Not part of make test.
#   scripts/check-third-party-nnc.sh [NNCODEC_BINARY [CACHE_DIR]] [--scan 0 3] [--patched]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$PWD/.build/release/nncodec"
CACHE="${TMPDIR:-/tmp}/nncodec-third-party"
if [ $# -gt 0 ] && [[ $1 != --* ]]; then BIN="$1"; shift; fi
if [ $# -gt 0 ] && [[ $1 != --* ]]; then CACHE="$1"; shift; fi
PY="${NNC_PYTHON:-/opt/nnc-ref/bin/python}"
mapfile -t MODELS < <(find "$CACHE" -name '*.onnx' | sort)
[ "${#MODELS[@]}" -gt 0 ] || { echo "no .onnx under $CACHE: run scripts/third-party-models.sh first" >&2; exit 2; }
exec "$PY" scripts/check_third_party_nnc.py "$BIN" "${MODELS[@]}" "$@"
