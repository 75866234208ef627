#!/usr/bin/env bash
# Benchmark: `nncodec encode` and `nncodec decode` (1 and 2 threads) of a ≥60 MB float32 model
# (the VGG-16 of make_vgg16.py) at -q 15 (qp -60, uniform) and -q 8 --dq (qp -32, DQ),
# against NNCodec 2.1.3's Python API on the same tensors at the same settings (param_opt
# on for both), interleaved in the same run. Prints medians.
#   Benchmarks/bench-codec.sh [RUNS]          (default 5)
# Environment: BENCH_DIR (work files, default /tmp/nncodec-bench), BENCH_PYTHON (a python
# with numpy + onnx for make_vgg16.py; default .venv/bin/python after `make deps-python`),
# NNC_PYTHON and NNC_SCRIPT (NNCodec 2.1.3 and its front end, see /work/shared/tools/nnc-ref).
# NNCodec's times are the encode/decode seconds it reports itself (without Python start-up
# and .npz I/O); ours are whole-process wall times (ONNX load, coding, file write).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
nnc_py=${NNC_PYTHON:-/opt/nnc-ref/bin/python}
nnc=${NNC_SCRIPT:-/work/shared/tools/nnc-ref/nnc.py}
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
if [ -n "${BENCH_PYTHON:-}" ]; then
  py=$BENCH_PYTHON
  swift build -c release --product nncodec >/dev/null
else
  make -s release deps-python >/dev/null
  py=.venv/bin/python
fi
bin=.build/release/nncodec
work=${BENCH_DIR:-/tmp/nncodec-bench}; mkdir -p "$work"
[ -f "$work/vgg16.onnx" ] || "$py" Benchmarks/make_vgg16.py "$work/vgg16.onnx"
[ -f "$work/vgg16.npz" ] || "$nnc_py" "$nnc" onnx-tensors "$work/vgg16.onnx" "$work/vgg16.npz"
params=$("$nnc_py" -c "import numpy as np,sys; d=np.load(sys.argv[1]); print(sum(v.size for v in d.values()))" "$work/vgg16.npz")
size=$(stat -c %s "$work/vgg16.onnx")
echo "model: vgg16.onnx, $size bytes, $params float32 parameters; $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')); load $(cut -d' ' -f1-3 /proc/loadavg); $runs runs"

log="$work/bench-codec.log"; : > "$log"
timed() {  # label, command... → appends "label seconds rss_kib cpu_seconds"
  local label=$1; shift
  local out; out=$( { /usr/bin/time -f 'TIME %e %M %U %S' "$@" >/dev/null; } 2>&1 )
  local t m u sy; read -r t m u sy < <(grep '^TIME' <<<"$out" | tail -1 | cut -d' ' -f2-)
  # NNCodec reports its own coding time ("encoded N tensors in X s"): use it.
  local own; own=$(grep -oE 'tensors in [0-9.]+ s' <<<"$out" | grep -oE '[0-9.]+' | tail -1 || true)
  echo "$label ${own:-$t} $m $(python3 -c "print($u + $sy)")" >> "$log"
}
settings=("q15|-q 15|--qp -60 --dq 0" "q8dq|-q 8 --dq|--qp -32 --dq 1")
for r in $(seq "$runs"); do
  for s in "${settings[@]}"; do
    IFS='|' read -r name ours theirs <<<"$s"
    # shellcheck disable=SC2086
    timed "$name ours-enc" "$bin" encode "$work/vgg16.onnx" $ours --threads 1 -o "$work/$name.nnc" --force
    # shellcheck disable=SC2086
    timed "$name ours2-enc" "$bin" encode "$work/vgg16.onnx" $ours --threads 2 -o "$work/$name.t2.nnc" --force
    cmp -s "$work/$name.nnc" "$work/$name.t2.nnc" || { echo "streams differ between 1 and 2 threads" >&2; exit 1; }
    # shellcheck disable=SC2086
    timed "$name nnc-enc" "$nnc_py" "$nnc" encode "$work/vgg16.npz" "$work/$name.nnr" $theirs --param-opt 1 --row-skipping 1
    timed "$name ours-dec" "$bin" decode "$work/$name.nnc" -o "$work/$name.onnx" --threads 1 --force
    timed "$name ours2-dec" "$bin" decode "$work/$name.nnc" -o "$work/$name.t2.onnx" --threads 2 --force
    cmp -s "$work/$name.onnx" "$work/$name.t2.onnx" || { echo "decodes differ between 1 and 2 threads" >&2; exit 1; }
    timed "$name nnc-dec" "$nnc_py" "$nnc" decode "$work/$name.nnr" "$work/$name.dec.npz"
  done
  echo "  run $r/$runs done" >&2
done
for s in "${settings[@]}"; do
  IFS='|' read -r name _ _ <<<"$s"
  echo "$name bytes ours $(stat -c %s "$work/$name.nnc") nnc $(stat -c %s "$work/$name.nnr")" >> "$log"
done
python3 - "$log" "$params" "$size" <<'EOF'
import sys, statistics as st
log, params, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows, sizes, cpu = {}, {}, {}
for line in open(log):
    f = line.split()
    if f[1] == "bytes":
        sizes[f[0]] = (int(f[3]), int(f[5])); continue
    rows.setdefault((f[0], f[1]), []).append((float(f[2]), int(f[3])))
    cpu.setdefault((f[0], f[1]), []).append(float(f[4]))
mb = 4 * params / 1e6
label = {"q15": "-q 15 (qp -60)", "q8dq": "-q 8 --dq (qp -32, DQ)"}
print(f"| setting | coder | encode s | encode MB/s | decode s | decode MB/s | peak RSS enc / dec | bits/param |")
print(f"| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for name in ["q15", "q8dq"]:
    for who, title in [("ours", "nncodec 1 thread (CLI, wall)"), ("ours2", "nncodec 2 threads (CLI, wall)"),
                       ("nnc", "NNCodec 2.1.3 (own timer)")]:
        e = rows[(name, f"{who}-enc")]; d = rows[(name, f"{who}-dec")]
        te = st.median(t for t, _ in e); td = st.median(t for t, _ in d)
        me = max(m for _, m in e) / 1024; md = max(m for _, m in d) / 1024
        b = sizes[name][1 if who == "nnc" else 0]
        print(f"| {label[name]} | {title} | {te:.2f} | {mb / te:.1f} | {td:.2f} | {mb / td:.1f} | "
              f"{me:.0f} / {md:.0f} MiB ({max(me, md) * 1048576 / size:.2f}x) | {8 * b / params:.3f} |")
for name in ["q15", "q8dq"]:
    for way in ["enc", "dec"]:
        one = st.median(t for t, _ in rows[(name, f"ours-{way}")]); two = st.median(t for t, _ in rows[(name, f"ours2-{way}")])
        c1 = st.median(cpu[(name, f"ours-{way}")]); c2 = st.median(cpu[(name, f"ours2-{way}")])
        print(f"{label[name]} {way}: 2 threads / 1 thread wall speed-up {one / two:.2f}x; "
              f"CPU s (user+sys) 1 thread {c1:.2f}, 2 threads {c2:.2f}; 1-thread MB/s per CPU second {mb / c1:.1f}")
EOF
