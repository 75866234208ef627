#!/usr/bin/env bash
# Writes the seed inputs of one fuzz target (scripts/fuzz.sh TARGET) into DIR, from testdata.
#   scripts/fuzz-seeds.sh TARGET DIR
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$ROOT/testdata
TARGET=$1; DIR=$2
mkdir -p "$DIR"
# Committed seeds made by scripts/make-fuzz-seeds.sh, where a target has them.
if [ -d "$ROOT/Fuzz/seeds/$TARGET" ]; then cp "$ROOT/Fuzz/seeds/$TARGET"/* "$DIR"/; fi
prefixed() {   # prefixed BYTE FILE NAME: the file behind one selector byte
    { printf "\\x$1"; cat "$2"; } > "$DIR/$3"
}
case "$TARGET" in
fuzz-nnr-decode)
    # NNCodec's own streams (small random tensors, every scan order, DQ on/off, row skip).
    for f in "$T"/nnc/random/*.nnr; do [ "$(stat -c %s "$f")" -le 16384 ] && cp "$f" "$DIR/"; done
    ;;
fuzz-onnx-load)
    for f in "$T"/ops/*.onnx; do cp "$f" "$DIR/"; done
    # External data: the model, the separator, then the data file it names (shortened).
    { cat "$T/lenet300_ext.onnx"; printf '#NNCDATA#'; head -c 4096 "$T/lenet300_ext.onnx.data"; } > "$DIR/lenet300_ext"
    ;;
fuzz-npy)
    for f in "$T"/datafiles/*.npy "$T"/tiny_bert_ort_logits.npy; do prefixed 00 "$f" "npy-$(basename "$f")"; done
    for f in "$T"/datafiles/*.npz; do prefixed 01 "$f" "npz-$(basename "$f")"; done
    for f in $(ls "$T"/ops/*.npz | head -20); do prefixed 01 "$f" "npz-ops-$(basename "$f")"; done
    for f in "$T"/datafiles/*.pb; do prefixed 02 "$f" "pb-$(basename "$f")"; done
    ;;
fuzz-encode-roundtrip)
    # Settings and values are read from the bytes; a few fixed patterns to start from.
    i=0
    for s in 0123456789abcdef "$(printf '\x02\x00\x00\x00\xda\xff\xff\xff\x05\x00\x00\x00')" \
             "$(head -c 200 "$T/lenet300_ext.onnx.data")" "$(head -c 600 "$T/nnc/random/$(ls "$T/nnc/random" | head -1)")"; do
        printf '%s' "$s" > "$DIR/seed-$i"; i=$((i + 1))
    done
    ;;
*) echo "fuzz-seeds.sh: unknown target '$TARGET'" >&2; exit 2 ;;
esac
