#!/bin/sh
# Write our NNR streams (Swift test "NNR reverse-check streams") and have NNCodec 2.1.3
# decode them; compares bit for bit. Usage: scripts/check-reverse.sh [DIR]
set -eu
cd "$(dirname "$0")/.."
PY="${NNC_PYTHON:-/opt/nnc-ref/bin/python}"
DIR="${1:-$(mktemp -d /tmp/nnc-reverse.XXXXXX)}"
NNC_REVERSE_DIR="$DIR" swift test --filter NNRReverseStreamTests >/dev/null
exec "$PY" scripts/check_reverse.py "$DIR"
