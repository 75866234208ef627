#!/usr/bin/env bash
# The Table 7.1 experiment (docs/seed-reproduction.md) on a digit-trained VGG-16:
# Benchmarks/train_vgg16_digits.py makes the model (60 MB, not committed). A short schedule:
# PRUNE_SECONDS per method (default 600), the curve at four steps. Validation is the seeded
# 20% split of the training digits (in-sample for this model: it was trained on all of them);
# the test split is read only by the report.
# Usage: scripts/seed-reproduction-vgg.sh [NNCODEC] [OUTDIR]   (env: VGG, PRUNE_SECONDS, LR, LAMBDA, EPSILON,
#        TWT_LOBSTER, TWT_SERENE)
set -euo pipefail
NN=${1:-.build/release/nncodec}
OUT=${2:-/tmp/seed-repro}
VGG=${VGG:-Benchmarks/models/vgg16_digits.onnx}
SECS=${PRUNE_SECONDS:-600}
LR=${LR:-1e-3}
LAMBDA=${LAMBDA:-1e-4}
# The first convolution's weights reach 1.4 (BatchNorm folded), the deepest ones 0.02: the
# threshold bisection must go below 1e-3 x max|w| to find a T that keeps the loss bound.
EPSILON=${EPSILON:-1e-5}
TWT_LOBSTER=${TWT_LOBSTER:-0.1}
TWT_SERENE=${TWT_SERENE:-0.3}
TD=testdata
if [ ! -f "$VGG" ]; then
    echo "seed-reproduction-vgg: $VGG not found; make it with Benchmarks/train_vgg16_digits.py $VGG" >&2
    exit 0
fi
mkdir -p "$OUT"
# The 28x28 digits padded to 32x32 and repeated over three channels, as the model was trained.
/opt/nnc-ref/bin/python -c "import numpy as np; [np.save(f'$OUT/digits_{s}_x32.npy', np.repeat(np.pad(np.load(f'$TD/digits_{s}_x28.npy').astype(np.float32), ((0,0),(0,0),(2,2),(2,2))), 3, axis=1)) for s in ('train', 'test')]"
for m in lobster serene_lb; do
    args=(--method lobster --twt "$TWT_LOBSTER")
    [ $m = serene_lb ] && args=(--method serene --sensitivity lb --twt "$TWT_SERENE" --target-top1 0.96)
    nice -n 19 /usr/bin/time -f "%e s wall, %M kB peak" -o "$OUT/vgg16_$m.time" \
        "$NN" prune "$VGG" --data "$OUT/digits_train_x32.npy" --labels $TD/digits_train_y.npy \
        --val-split 0.2 --seed 0 "${args[@]}" --lambda "$LAMBDA" --lr "$LR" --batch 32 --pwe 1 --epsilon "$EPSILON" \
        --max-epochs 3000 --max-seconds "$SECS" -o "$OUT/vgg16_$m.onnx" --force --json \
        > "$OUT/vgg16_$m.json" 2> "$OUT/vgg16_$m.log" || true
done
nice -n 19 "$NN" report "$VGG" --data "$OUT/digits_test_x32.npy" --labels $TD/digits_test_y.npy \
    --methods "serene_lb=$OUT/vgg16_serene_lb.onnx@$OUT/vgg16_serene_lb.json" \
    "lobster=$OUT/vgg16_lobster.onnx@$OUT/vgg16_lobster.json" \
    --curve-steps 15 7 3 0 --svg "$OUT/vgg16_methods.svg" -o "$OUT/vgg16_methods.md" --force
