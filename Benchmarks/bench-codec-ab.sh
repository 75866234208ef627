#!/usr/bin/env bash
# Benchmark: two nncodec builds, interleaved in one run (A B A B …), on the VGG-16 of
# make_vgg16.py: `encode` and `decode` at -q 15 and -q 8 --dq, 1 and 2 threads.
# Whole-process wall and CPU (user + sys) times from /usr/bin/time; prints medians,
# B/A ratios and the load average. Streams and decodes of A and B must be byte-identical.
#   Benchmarks/bench-codec-ab.sh A_BINARY B_BINARY [RUNS]     (default 5)
# A is typically a copy of main's release binary, B this tree's (.build/release/nncodec).
# Environment: BENCH_DIR (work files, default /tmp/nncodec-bench; vgg16.onnx is made there by
# make_vgg16.py with BENCH_PYTHON, default .venv/bin/python, when missing). BENCH_FRESH=1: each
# output is removed (untimed) before the command that writes it, so no timed command replaces
# an existing file (on a file system mounted with `discard`, replacing the 65 MB decode costs
# the rename a synchronous discard of the old file's blocks, 12-50 ms measured).
set -euo pipefail
cd "$(dirname "$0")/.."
a=$1; b=$2; runs=${3:-5}
py=${BENCH_PYTHON:-.venv/bin/python}
work=${BENCH_DIR:-/tmp/nncodec-bench}; mkdir -p "$work"
fresh=${BENCH_FRESH:-0}
[ -f "$work/vgg16.onnx" ] || "$py" Benchmarks/make_vgg16.py "$work/vgg16.onnx"
log="$work/bench-codec-ab.log"; : > "$log"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $runs runs; fresh outputs: $fresh"
timed() {  # label, command... → appends "label wall cpu"
  local label=$1; shift
  local out; out=$( { /usr/bin/time -f 'TIME %e %U %S' "$@" >/dev/null; } 2>&1 )
  local t u s; read -r t u s < <(grep '^TIME' <<<"$out" | tail -1 | cut -d' ' -f2-)
  echo "$label $t $(python3 -c "print($u + $s)")" >> "$log"
}
settings=("q15|-q 15" "q8dq|-q 8 --dq")
for r in $(seq "$runs"); do
  for s in "${settings[@]}"; do
    IFS='|' read -r name opts <<<"$s"
    for t in 1 2; do
      for who in A B; do
        bin=$a; [ "$who" = B ] && bin=$b
        [ "$fresh" = 1 ] && rm -f "$work/ab-$name-$who.nnc" "$work/ab-$name-$who.onnx"
        # shellcheck disable=SC2086
        timed "$name enc t$t $who" "$bin" encode "$work/vgg16.onnx" $opts --threads "$t" -o "$work/ab-$name-$who.nnc" --force
        timed "$name dec t$t $who" "$bin" decode "$work/ab-$name-$who.nnc" -o "$work/ab-$name-$who.onnx" --threads "$t" --force
      done
      cmp -s "$work/ab-$name-A.nnc" "$work/ab-$name-B.nnc" || { echo "streams of A and B differ ($name)" >&2; exit 1; }
      cmp -s "$work/ab-$name-A.onnx" "$work/ab-$name-B.onnx" || { echo "decodes of A and B differ ($name)" >&2; exit 1; }
    done
  done
  echo "  run $r/$runs done" >&2
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$log" <<'PY'
import sys, statistics as st
rows = {}
for line in open(sys.argv[1]):
    n, way, t, who, wall, cpu = line.split()
    rows.setdefault((n, way, t, who), []).append((float(wall), float(cpu)))
mb = 65.2  # MB of float32 weights in the VGG-16 (16,299,850 parameters)
print("| setting | threads | A wall s | B wall s | B MB/s | B/A wall | A CPU s | B CPU s | B/A CPU |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for n in ["q15", "q8dq"]:
    for way in ["enc", "dec"]:
        for t in ["t1", "t2"]:
            A = rows[(n, way, t, "A")]; B = rows[(n, way, t, "B")]
            aw, bw = st.median(w for w, _ in A), st.median(w for w, _ in B)
            ac, bc = st.median(c for _, c in A), st.median(c for _, c in B)
            print(f"| {n} {way} | {t[1]} | {aw:.2f} | {bw:.2f} | {mb / bw:.1f} | {bw / aw:.2f} | {ac:.2f} | {bc:.2f} | {bc / ac:.2f} |")
PY
