#!/usr/bin/env bash
# .7z sizes of the testdata models by nncodec's own writer, libarchive's 7-Zip writer
# (bsdtar, Debian libarchive-tools; LZMA2 and LZMA1 at level 9) and 7-Zip itself (-mx=9).
# Usage: scripts/compare-7z-writers.sh [NNCODEC]   (default .build/debug/nncodec)
set -euo pipefail
cd "$(dirname "$0")/.."
nncodec=${1:-.build/debug/nncodec}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "| model | .onnx | nncodec | libarchive LZMA2 | libarchive LZMA1 | 7-Zip -mx=9 |"
echo "|---|---:|---:|---:|---:|---:|"
for m in lenet300 lenet5 resnet_small tiny_bert concat_dw; do
    "$nncodec" sizes "testdata/$m.onnx" --7z "$tmp/$m.ours.7z" --json > /dev/null
    (cd testdata && bsdtar --format 7zip --options 7zip:compression=lzma2,7zip:compression-level=9 -cf "$tmp/$m.la2.7z" "$m.onnx")
    (cd testdata && bsdtar --format 7zip --options 7zip:compression=lzma1,7zip:compression-level=9 -cf "$tmp/$m.la1.7z" "$m.onnx")
    (cd testdata && 7zz a -mx=9 "$tmp/$m.7zz.7z" "$m.onnx" > /dev/null)
    s() { stat -c %s "$1"; }
    echo "| $m | $(s testdata/$m.onnx) | $(s $tmp/$m.ours.7z) | $(s $tmp/$m.la2.7z) | $(s $tmp/$m.la1.7z) | $(s $tmp/$m.7zz.7z) |"
done
echo
echo "bsdtar: $(bsdtar --version)"
echo "7-Zip: $(7zz | sed -n 2p)"
