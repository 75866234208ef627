#!/usr/bin/env bash
# ONNX operator conformance: every node case of the onnx package pinned in
# scripts/requirements-check.txt, run with `nncodec run`; writes docs/conformance.md.
# Usage: scripts/onnx-conformance.sh [--jobs N] [CASE ...]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --python
swift build --product nncodec >&2
exec .venv/bin/python scripts/onnx_conformance.py --nncodec .build/debug/nncodec \
    --markdown docs/conformance.md --json .build/conformance.json "$@"
