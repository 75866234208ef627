#!/usr/bin/env python3
"""NNCodec 2.1.3 decodes our --no-topology streams of the third-party models
(scripts/third-party-models.sh downloads them): for each model, with and without --dq and for
each block scan order, `nncodec encode -q 8 --no-topology`, then NNCodec's decompress and
`nncodec decode --graph`; every coded tensor must be equal bit for bit.

  check_third_party_nnc.py NNCODEC_BINARY [--scan 0 3] [--patched] MODEL.onnx ...
                                                    (run with /opt/nnc-ref/bin/python)

Why this check exists: NNCodec 2.1.3's BitReader.flt_tensor counts a NNR_PT_RAW_FLOAT payload
as np.prod(dims) of a np.uint32 array (a np.uint64); under numpy 1.x `int + np.uint64` is a
float64, so after any RAW_FLOAT unit the reader's byte position is a float and the next unit
fails with "TypeError: slice indices must be integers". nncodec therefore codes exact values
as FLOAT levels at a power-of-two step (Codec/Quant/ExactStep.swift) and keeps RAW_FLOAT
only for ±inf/NaN, −0 and values no signallable step holds (docs/interop.md).
--patched is a diagnostic only: it fixes that one line in memory (dims as Python ints), to
tell NNCodec's bug from a real mismatch; users hold the unpatched reference, so the check
that counts runs without it.
"""
import argparse, contextlib, io, json, subprocess, sys, tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_realworld_nnc import decoded_tensors, same_bits  # noqa: E402


def patch_flt_tensor():
    from nncodec.nnc_core import hls
    reader = hls.BitReader
    original = reader.flt_tensor
    reader.flt_tensor = lambda self, n, dims: original(self, n, [int(d) for d in dims])


def check(binary, src, scan, dq, d):
    nnr, out = Path(d) / "s.nnr", Path(d) / "o.onnx"
    flags = ["--block-scan", str(scan), *(["--dq"] if dq else [])]
    enc = json.loads(subprocess.run([binary, "encode", src, "-q", "8", "--threads", "2", "--no-topology", "-o", nnr,
                                     "--json", *flags], check=True, capture_output=True, text=True).stdout)
    coded = [t for t in enc["report"]["tensors"] if t["role"] != "kept"]
    exact = [t for t in coded if t["role"] == "rawFloat"]
    raw = sum(t.get("stepSize") is None for t in exact)
    label = f"{src.name} scan {scan}{' --dq' if dq else ''}: {len(coded)} tensors, {len(exact)} exact ({raw} RAW_FLOAT)"
    from nncodec.nnc import compression as nnc
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            theirs = nnc.decompress(str(nnr))
    except Exception as e:  # NNCodec's own failure, reported as such
        return False, f"FAIL {label}: NNCodec error {e!r:.120}"
    subprocess.run([binary, "decode", nnr, "--graph", src, "-o", out, "--threads", "2"], check=True, capture_output=True)
    ours = decoded_tensors(out)
    bad = [t["name"] for t in coded if t["name"] not in theirs or t["name"] not in ours
           or not same_bits(theirs[t["name"]], ours[t["name"]])]
    return not bad, f"{'ok  ' if not bad else 'FAIL'} {label}" + (f"; differ {bad[:3]}" if bad else "")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("binary")
    p.add_argument("models", nargs="+", type=Path)
    p.add_argument("--scan", nargs="+", type=int, default=[0, 3])
    p.add_argument("--patched", action="store_true", help="diagnostic: fix NNCodec's flt_tensor in memory")
    a = p.parse_args()
    if a.patched:
        patch_flt_tensor()
    failures = 0
    for src in a.models:
        for scan in a.scan:
            for dq in (False, True):
                with tempfile.TemporaryDirectory() as d:
                    ok, line = check(a.binary, src, scan, dq, d)
                failures += not ok
                print(line, flush=True)
    print(f"{failures} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
