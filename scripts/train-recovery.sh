#!/usr/bin/env bash
# The recovery experiment of docs/training.md: LeNet-300 pruned one-shot to 95%
# unstructured sparsity, then `finetune --keep-sparsity` for 30 epochs on the digits train
# split (10% of it held out for the checkpoint); top-1 on the test split before and after.
#   usage: scripts/train-recovery.sh [NNCODEC_BINARY]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); td="$here/../testdata"
bin=${1:-$here/../.build/release/nncodec}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
top1() { "$bin" eval "$1" --data "$td/digits_test_x28.npy" --labels "$td/digits_test_y.npy" --json |
         python3 -c "import json,sys; print('%.2f' % (100 * json.load(sys.stdin)['top1']))"; }
"$bin" prune "$td/lenet300.onnx" --criterion unstructured --sparsity 0.95 -o "$tmp/p.onnx" --no-sizes --json > /dev/null
"$bin" finetune "$tmp/p.onnx" --data "$td/digits_train_x28.npy" --labels "$td/digits_train_y.npy" \
  --epochs 30 --lr 0.01 --keep-sparsity -o "$tmp/f.onnx" --json > "$tmp/r.json"
python3 - "$tmp/r.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"masked weights {r['maskedWeights']}, non-zero among them {r['maskViolations']}, "
      f"best epoch {r['report']['bestEpoch']} of {len(r['report']['epochs'])}")
PY
echo "top-1 (test): unpruned $(top1 "$td/lenet300.onnx")%, pruned 95% $(top1 "$tmp/p.onnx")%, fine-tuned $(top1 "$tmp/f.onnx")%"
