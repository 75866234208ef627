#!/usr/bin/env bash
# Regenerates testdata/ (models, data, manifest.json, README.md).
# Gets the reference python (torch, onnx, onnxruntime, scikit-learn) from the
# shared setup script, then runs scripts/make_testdata.py, make_testdata_bnn.py (and --heldout)
# and make_testdata_lenet_heldout.py with it.
#   usage: scripts/make-testdata.sh [--out DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
setup=${NNC_REF_SETUP:-/work/shared/tools/nnc-ref/setup.sh}
py=$(bash "$setup" | tail -n 1)
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONHASHSEED=0
"$py" "$here/make_testdata.py" "$@"
"$py" "$here/make_testdata_bnn.py" "$@"
"$py" "$here/make_testdata_bnn.py" --heldout "$@"
exec "$py" "$here/make_testdata_lenet_heldout.py" "$@"
