#!/usr/bin/env bash
# Interop and size comparison with NNCodec 2.1.3 over the testdata models and the
# qp x DQ x param_opt matrix (see scripts/compare_nncodec.py). Installs NNCodec via
# ../shared/tools/nnc-ref/setup.sh (several GB, once per machine).
#   scripts/compare-nncodec.sh [MODEL ...] > table.md
set -euo pipefail
cd "$(dirname "$0")/.."
py=$(bash ../shared/tools/nnc-ref/setup.sh)
make -s release >/dev/null
exec "$py" scripts/compare_nncodec.py "$PWD/.build/release/nncodec" "$@"
