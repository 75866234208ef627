#!/usr/bin/env bash
# Regenerates testdata/ops (Runtime operator references) with onnxruntime.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
PY=/opt/nnc-ref/bin/python
if ! "$PY" -c "import onnxruntime" 2>/dev/null; then
    bash /work/shared/tools/nnc-ref/setup.sh
fi
exec "$PY" "$here/make_runtime_refs.py" "$@"
