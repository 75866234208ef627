#!/usr/bin/env bash
# Rate and top-1 of every digit model before and after encode → decode, at a few steps,
# with and without dependent quantization. Writes Markdown to stdout.
#   scripts/results.sh [STEPS]   (default 4,6,8,15)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-4,6,8,15}
make -s release >/dev/null
bin=$PWD/.build/release/nncodec
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "| model | .onnx bytes | .7z bytes | top-1 original | variant | q | bitstream bytes | of .onnx | bits/param | top-1 decoded |"
echo "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|"
for m in lenet300 lenet5 resnet_small concat_dw; do
  "$bin" sweep testdata/$m.onnx --data testdata/digits_test_x28.npy --labels testdata/digits_test_y.npy \
    -q "$steps" --dq both --csv "$tmp/$m.csv" --svg "$tmp/$m.svg" --json --force > "$tmp/$m.json"
  python3 - "$tmp/$m.json" "$m" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); m = sys.argv[2]
for i, p in enumerate(r["points"]):
    head = f"| {m} | {r['onnxBytes']:,} | {r['sevenZipBytes']:,} | {100*r['baselineTop1']:.2f}%" if i == 0 else "| | | |"
    print(f"{head} | {p['variant']} | {p['q']} | {p['bitstreamBytes']:,} | {100*p['relativeSize']:.2f}% | "
          f"{p['bitsPerParameter']:.3f} | {100*p['top1']:.2f}% |")
PY
done
