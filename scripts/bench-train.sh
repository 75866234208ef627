#!/usr/bin/env bash
# Training throughput of `nncodec finetune` against PyTorch CPU (2 threads) on the same
# model, data (the digits train split, 1347 images), batch 64 and SGD (momentum 0.9), with
# peak resident memory from /usr/bin/time. Runs each side REPS times, alternating, and
# prints the medians.
#   usage: scripts/bench-train.sh [MODEL ...]   (default: lenet5 resnet_small)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/.." && pwd)
py=${NNC_REF_PYTHON:-/opt/nnc-ref/bin/python}
reps=${REPS:-3}; epochs=${EPOCHS:-3}; batch=64
models=("$@"); [ ${#models[@]} -gt 0 ] || models=(lenet5 resnet_small)
(cd "$root" && swift build -c release --product nncodec >/dev/null)
bin="$root/.build/release/nncodec"
td="$root/testdata"; tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf "| model | nncodec samples/s | PyTorch samples/s | ratio | nncodec peak RSS MB | PyTorch peak RSS MB |\n|---|---:|---:|---:|---:|---:|\n"
for m in "${models[@]}"; do
  : > "$tmp/n"; : > "$tmp/t"; : > "$tmp/nm"; : > "$tmp/tm"
  for _ in $(seq "$reps"); do
    /usr/bin/time -f "%M" -o "$tmp/rss" "$bin" finetune "$td/$m.onnx" --data "$td/digits_train_x28.npy" \
      --labels "$td/digits_train_y.npy" --val-split 0 --epochs "$epochs" --batch $batch -o "$tmp/out.onnx" --force --json > "$tmp/j"
    "$py" -c "import json,sys; print(json.load(open(sys.argv[1]))['report']['trainSamplesPerSecond'])" "$tmp/j" >> "$tmp/n"
    echo $(( $(cat "$tmp/rss") / 1024 )) >> "$tmp/nm"
    /usr/bin/time -f "%M" -o "$tmp/rss" "$py" "$here/bench_train_torch.py" "$m" "$td/digits_train_x28.npy" \
      "$td/digits_train_y.npy" "$epochs" $batch > "$tmp/j"
    "$py" -c "import json,sys; print(json.load(open(sys.argv[1]))['samples_per_second'])" "$tmp/j" >> "$tmp/t"
    echo $(( $(cat "$tmp/rss") / 1024 )) >> "$tmp/tm"
  done
  n=$(median < "$tmp/n"); t=$(median < "$tmp/t")
  printf "| %s | %.0f | %.0f | %.2f | %s | %s |\n" "$m" "$n" "$t" "$(echo "$n / $t" | bc -l)" "$(median < "$tmp/nm")" "$(median < "$tmp/tm")"
done
