#!/bin/bash
# Page faults and CPU of `nncodec decode` for two builds, interleaved (A B A B …), on the
# VGG-16 streams that bench-codec-ab.sh leaves in BENCH_DIR (ab-q15-A.nnc, ab-q8dq-A.nnc):
# `-q 15` and `-q 8 --dq`, 1 and 2 threads, each output removed (untimed) before its run.
# Usage: Benchmarks/bench-decode-faults.sh A_BINARY B_BINARY [REPS]   (run it under nice -n -15)
# Prints one line per run and then medians: setting threads build faults cpu_ms.
set -euo pipefail
a=$1; b=$2; reps=${3:-5}; work=${BENCH_DIR:-/tmp/nncodec-bench}
for s in q15 q8dq; do [ -f "$work/ab-$s-A.nnc" ] || { echo "missing $work/ab-$s-A.nnc: run bench-codec-ab.sh first" >&2; exit 1; }; done
log=$(mktemp); stat=$(mktemp); trap 'rm -f "$log" "$stat" "$work/faults-out.onnx"' EXIT
for _ in $(seq "$reps"); do
  for s in q15 q8dq; do for t in 1 2; do for who in A B; do
    bin=$a; [ "$who" = B ] && bin=$b
    rm -f "$work/faults-out.onnx"
    perf stat -x, -e page-faults,task-clock -o "$stat" "$bin" decode "$work/ab-$s-A.nnc" -o "$work/faults-out.onnx" --threads "$t" >/dev/null
    echo "$s t$t $who $(grep page-faults "$stat" | cut -d, -f1) $(grep task-clock "$stat" | cut -d, -f1)" | tee -a "$log"
  done; done; done
done
echo "medians (setting threads build faults cpu_ms), load $(cut -d' ' -f1-3 /proc/loadavg):"
sort -k1,3 "$log" | awk '{k=$1" "$2" "$3; f[k]=f[k]" "$4; c[k]=c[k]" "$5} END {for (k in f) print k, f[k] "|" c[k]}' | sort |
  while read -r s t w rest; do
    med() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
    echo "$s $t $w $(echo "${rest%|*}" | med) $(echo "${rest#*|}" | med)"
  done
