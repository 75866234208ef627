#!/usr/bin/env bash
# Benchmark: one model, row-major (--block-scan 0) against --block-scan N, 1 and 2 threads,
# whole-process `encode` and `decode` times interleaved in one run (/usr/bin/time; medians of
# wall and CPU = user + sys), the stream sizes, and the load average. Streams must not depend
# on the thread count.
#   Benchmarks/bench-entry-points.sh BINARY MODEL.onnx [RUNS] [N] [ENCODE OPTIONS…]
#   e.g. nice -n -15 Benchmarks/bench-entry-points.sh .build/release/nncodec testdata/lenet300.onnx 21 3 -q 8
# The coding alone (no process start, parse or file writes), in process:
#   RUNS=41 MODEL=testdata/lenet300.onnx BLOCK_SCAN=3 Benchmarks/.build/release/codec-bench model
set -euo pipefail
bin=$1; model=$2; runs=${3:-21}; scan=${4:-3}; shift $(( $# < 4 ? $# : 4 ))
opts=("$@"); [ ${#opts[@]} -gt 0 ] || opts=(-q 8)
work=${BENCH_DIR:-/tmp/nncodec-bench-ep}; mkdir -p "$work"
log="$work/times.log"; : > "$log"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $runs runs; ${opts[*]}"
timed() {  # label, command... → appends "label wall cpu"
  local label=$1; shift
  local out; out=$( { /usr/bin/time -f 'TIME %e %U %S' "$@" >/dev/null; } 2>&1 )
  local t u s; read -r t u s < <(grep '^TIME' <<<"$out" | tail -1 | cut -d' ' -f2-)
  echo "$label $t $(python3 -c "print($u + $s)")" >> "$log"
}
for r in $(seq "$runs"); do
  for s in 0 "$scan"; do
    for t in 1 2; do
      timed "enc s$s t$t" "$bin" encode "$model" "${opts[@]}" --block-scan "$s" --threads "$t" -o "$work/s$s-t$t.nnc" --force
      timed "dec s$s t$t" "$bin" decode "$work/s$s-t$t.nnc" -o "$work/s$s-t$t.onnx" --threads "$t" --force
    done
    cmp -s "$work/s$s-t1.nnc" "$work/s$s-t2.nnc" || { echo "block scan $s: the stream depends on the thread count" >&2; exit 1; }
    cmp -s "$work/s$s-t1.onnx" "$work/s$s-t2.onnx" || { echo "block scan $s: the decode depends on the thread count" >&2; exit 1; }
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$log" "$work" "$scan" <<'PY'
import os, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    side, s, t, wall, cpu = line.split()
    rows.setdefault((side, s, t), []).append((float(wall), float(cpu)))
print("| side | block scan | bytes | 1 thread wall s | 2 threads wall s | 2 / 1 speed-up | CPU s (1, 2) |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for side in ("enc", "dec"):
    for s in ("s0", "s" + sys.argv[3]):
        w1 = statistics.median(x[0] for x in rows[(side, s, "t1")]); w2 = statistics.median(x[0] for x in rows[(side, s, "t2")])
        c1 = statistics.median(x[1] for x in rows[(side, s, "t1")]); c2 = statistics.median(x[1] for x in rows[(side, s, "t2")])
        size = os.path.getsize(os.path.join(sys.argv[2], s + "-t1.nnc"))
        print(f"| {side} | {s[1:]} | {size} | {w1:.3f} | {w2:.3f} | {w1 / w2:.2f}x | {c1:.3f}, {c2:.3f} |")
PY
