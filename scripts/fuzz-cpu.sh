#!/usr/bin/env bash
# CPU cost per input of one fuzz target: runs every input of a corpus folder once (libFuzzer
# -runs=0: no mutation) under /usr/bin/time and prints CPU milliseconds per input, with the
# load average. Unlike exec/s, CPU time per input hardly depends on how busy the machine is.
#   scripts/fuzz-cpu.sh TARGET [CORPUS [BINARY]]
# Defaults: Fuzz/corpus/TARGET and the binary scripts/fuzz.sh last built. Build first with
#   scripts/fuzz.sh TARGET 1 -runs=0
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: scripts/fuzz-cpu.sh TARGET [CORPUS [BINARY]]" >&2; exit 2; }
TARGET=$1
CORPUS=${2:-$ROOT/Fuzz/corpus/$TARGET}
BIN=${3:-$ROOT/Fuzz/.build/fuzzers/$TARGET}
[ -x "$BIN" ] || { echo "fuzz-cpu.sh: no fuzzer at $BIN (build it with scripts/fuzz.sh $TARGET 1 -runs=0)" >&2; exit 1; }
[ -d "$CORPUS" ] || { echo "fuzz-cpu.sh: no corpus folder $CORPUS" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/new"
export SWIFT_BACKTRACE=enable=off SWIFT_DETERMINISTIC_HASHING=1
export LSAN_OPTIONS=suppressions=$ROOT/Fuzz/lsan.supp:print_suppressions=0
n=$(find "$CORPUS" -maxdepth 1 -type f | wc -l)
load=$(cut -d' ' -f1 /proc/loadavg)
# libFuzzer adds inputs only to its first folder, so the corpus itself stays untouched. A run
# on no input at all measures the start-up (ASan, the Swift runtime, warm-up), subtracted.
cpu() {
    /usr/bin/time -o "$WORK/time" -f "%U %S %e" "$BIN" -runs=0 -rss_limit_mb=2048 -timeout=10 \
        -max_len=16384 "$WORK/new" "$@" > "$WORK/log" 2>&1 || { tail -20 "$WORK/log" >&2; exit 1; }
}
cpu; read -r u0 s0 _ < "$WORK/time"
cpu "$CORPUS"; read -r user sys wall < "$WORK/time"
awk -v t="$TARGET" -v n="$n" -v u="$user" -v s="$sys" -v w="$wall" -v c0="$u0 $s0" -v l="$load" 'BEGIN {
    split(c0, z, " "); start = z[1] + z[2]
    printf "%s: %d inputs, %.2f s CPU (user %.2f, sys %.2f; start-up %.2f), %.2f s wall, %.2f ms CPU per input, load %s\n",
           t, n, u + s, u, s, start, w, (u + s - start) * 1000 / n, l }'
