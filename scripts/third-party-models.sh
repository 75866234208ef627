#!/usr/bin/env bash
# Third-party ONNX models through the codec flow (scripts/third_party_models.py). Needs PyPI:
# downloads the `rapidocr` and `silero-vad` wheels (no dependencies) and takes the .onnx
# files they ship. Not part of make test.
#   scripts/third-party-models.sh [NNCODEC_BINARY] [CACHE_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-$PWD/.build/debug/nncodec}"
CACHE="${2:-${TMPDIR:-/tmp}/nncodec-third-party}"
mkdir -p "$CACHE"
[ -x .venv/bin/python ] || ./scripts/install-deps.sh --python
.venv/bin/python -m pip download -q --no-deps -d "$CACHE" rapidocr==3.10.0 silero-vad==6.2.3
(cd "$CACHE" && for w in rapidocr-3.10.0-*.whl silero_vad-6.2.3-*.whl; do
  python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); [z.extract(n) for n in z.namelist() if n.endswith(".onnx")]' "$w"
done)
.venv/bin/python scripts/third_party_models.py "$BIN" "$CACHE"
