#!/usr/bin/env bash
# Builds and runs one libFuzzer target of the Fuzz/ package.
#   scripts/fuzz.sh --list                 the target names, one a line
#   scripts/fuzz.sh TARGET SECONDS [ARGS]  build, seed, fuzz for SECONDS (extra ARGS go to libFuzzer)
# Environment: FUZZ_SKIP_BUILD=1 reuses the last build; FUZZ_KEEP_GOING=1 keeps fuzzing
# after a finding (fork mode, FUZZ_JOBS workers, default 1).
# Crashes land in Fuzz/crashes/TARGET/; minimize one with
#   Fuzz/.build/fuzzers/TARGET -minimize_crash=1 -runs=100000 Fuzz/crashes/TARGET/crash-…
# and commit it under testdata/fuzz/TARGET/ (the test suite replays it).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FUZZ=$ROOT/Fuzz
TARGETS=(fuzz-nnr-decode fuzz-onnx-load fuzz-npy fuzz-encode-roundtrip)

usage() { echo "usage: scripts/fuzz.sh --list | TARGET SECONDS [libFuzzer args]" >&2; exit 2; }
[ $# -ge 1 ] || usage
if [ "$1" = "--list" ]; then printf '%s\n' "${TARGETS[@]}"; exit 0; fi
[ $# -ge 2 ] || usage
TARGET=$1; SECONDS_=$2; shift 2
printf '%s\n' "${TARGETS[@]}" | grep -qx -- "$TARGET" || { echo "fuzz.sh: unknown target '$TARGET' (see scripts/fuzz.sh --list)" >&2; exit 2; }
[[ "$SECONDS_" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a whole number, not '$SECONDS_'" >&2; exit 2; }

BIN=$FUZZ/.build/fuzzers/$TARGET
# Fuzz/Package.swift names the main package after its folder; a link named nncodec keeps a
# checkout folder called "fuzz" from clashing with the Fuzz package itself.
mkdir -p "$FUZZ/.build/root"
ln -sfn "$ROOT" "$FUZZ/.build/root/nncodec"
export NNCODEC_ROOT=$FUZZ/.build/root/nncodec
SAN=(-sanitize=fuzzer,address)
if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ] || [ ! -x "$BIN" ]; then
    echo "== building $TARGET (release, libFuzzer + AddressSanitizer)" >&2
    # The target is a static library; link it with the fuzzer runtime ourselves (Fuzz/Package.swift says why).
    swift build --package-path "$FUZZ" -c release --product "$TARGET" -Xswiftc -g \
        -Xswiftc "${SAN[0]}" -Xcc -fsanitize=fuzzer-no-link,address >&2
    mkdir -p "$(dirname "$BIN")"
    swiftc "$FUZZ/.build/release/lib$TARGET.a" -g "${SAN[@]}" \
        -lprotobuf-c -llzma -lz -lopenblas -o "$BIN.tmp" >&2
    mv "$BIN.tmp" "$BIN"
fi

# Seeds: testdata files of the target's format, the committed regression inputs, and
# the working corpus of earlier runs (Fuzz/corpus/TARGET, not committed).
CORPUS=$FUZZ/corpus/$TARGET
SEEDS=$FUZZ/.build/seeds/$TARGET
mkdir -p "$CORPUS" "$FUZZ/crashes/$TARGET"
rm -rf "$SEEDS"; mkdir -p "$SEEDS"
"$ROOT/scripts/fuzz-seeds.sh" "$TARGET" "$SEEDS"
cp "$ROOT/testdata/fuzz/$TARGET"/* "$SEEDS"/ 2>/dev/null || true

export SWIFT_BACKTRACE=enable=off SWIFT_DETERMINISTIC_HASHING=1
export LSAN_OPTIONS=suppressions=$FUZZ/lsan.supp:print_suppressions=0
ARGS=(-max_total_time="$SECONDS_" -rss_limit_mb=2048 -timeout=10 -max_len=16384 -print_final_stats=1
      -dict="$FUZZ/dicts/$TARGET.dict" -artifact_prefix="$FUZZ/crashes/$TARGET/")
# FUZZ_KEEP_GOING=1: fork mode that records every finding and carries on (long campaigns).
if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
    ARGS+=(-fork="${FUZZ_JOBS:-1}" -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
fi
echo "== fuzzing $TARGET for ${SECONDS_}s" >&2
exec "$BIN" "${ARGS[@]}" "$@" "$CORPUS" "$SEEDS"
