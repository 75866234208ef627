#!/usr/bin/env bash
# Installs what nncodec needs on a Debian machine that has Swift: the C libraries and
# tools from Debian, and (with --python) a virtual environment for the cross-checks.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=(pkg-config liblzma-dev libprotobuf-c-dev protobuf-c-compiler libopenblas-dev 7zip xz-utils python3-venv)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# A python3 from elsewhere (pyenv) already has venv; don't insist on Debian's.
if python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
  missing=("${missing[@]/python3-venv}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ "${1:-}" = "--python" ]; then
  if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import onnx, onnxruntime, numpy, pytest" 2>/dev/null; then
    echo "creating .venv for the Python cross-checks" >&2
    python3 -m venv .venv
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q -r scripts/requirements-check.txt
  fi
fi
