#!/usr/bin/env bash
# Training-time pruning of the testdata LeNets as the seeds train them (docs/seed-reproduction.md).
# Validation is a seeded 10% split of the TRAINING data; the test split is only read at the end.
# Usage: scripts/seed-reproduction.sh [NNCODEC] [OUTDIR]   (default: release build, /tmp/seed-repro)
set -euo pipefail
NN=${1:-.build/release/nncodec}
OUT=${2:-/tmp/seed-repro}
mkdir -p "$OUT"
TD=testdata
TRAIN=(--data $TD/digits_train_x28.npy --labels $TD/digits_train_y.npy --val-split 0.1 --seed 0)
run() {  # name model args...
    local name=$1 model=$2; shift 2
    /usr/bin/time -f "%e s wall, %M kB peak" -o "$OUT/$name.time" \
        "$NN" prune "$TD/$model.onnx" "${TRAIN[@]}" "$@" -o "$OUT/$name.onnx" --force --json > "$OUT/$name.json" 2> "$OUT/$name.log" || true
    "$NN" simplify "$OUT/$name.onnx" -o "$OUT/$name.simple.onnx" --force --json \
        --data $TD/digits_test_x28.npy --labels $TD/digits_test_y.npy > "$OUT/$name.simplify.json" 2>&1 || true
}
# The three runs go in parallel (each reports its own wall time in OUT/NAME.time).
# --target-top1 0.97: the default (start − 0.5 points) stops SeReNe at its first stage here,
# because the validation split was seen in training and starts at 100% (135 samples).
run lenet300_lobster lenet300 --method lobster --lambda 2e-3 --lr 0.01 --batch 32 --pwe 3 --twt 0.1 --max-epochs 250 &
run lenet300_serene_lb lenet300 --method serene --sensitivity lb --lambda 5e-3 --lr 0.01 --batch 32 --pwe 3 --twt 0.3 --target-top1 0.97 --max-epochs 150 &
run lenet5_serene_lb lenet5 --method serene --sensitivity lb --lambda 5e-3 --lr 0.01 --batch 32 --pwe 3 --twt 1.45 --target-top1 0.97 --max-epochs 40 &
wait
for f in "$OUT"/*.simple.onnx; do "$NN" sizes "$f" --json > "${f%.onnx}.sizes.json" 2>&1 || true; done
