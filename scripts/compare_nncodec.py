#!/usr/bin/env python3
"""Interoperability and size comparison with NNCodec 2.1.3, through the nncodec CLI.

For every testdata model (float32 initializers) and every setting of the matrix
qp in {-60,-38,-32,-24} x DQ on/off x param_opt on/off, it
  1. encodes the model's tensors with NNCodec 2.1.3 (Python API) and with
     `nncodec encode --no-topology --no-row-skipping` (NNCodec's stream form),
  2. has NNCodec decode OUR stream and compares its tensors bit for bit with what
     `nncodec decode --graph` produces from the same stream,
  3. has nncodec decode NNCODEC's stream and compares with NNCodec's own decode,
  4. compares stream sizes (ours / NNCodec's) and bits per parameter.
Prints a Markdown table; exits non-zero if any check fails or a stream is > 0.5% larger.
  usage: compare_nncodec.py NNCODEC_BINARY [MODEL ...]   (run with the nnc-ref python)"""
import contextlib, io, json, os, subprocess, sys, tempfile, time
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = Path(__file__).resolve().parents[1]
NNC = Path(os.environ.get("NNC_PY", ROOT.parent / "shared/tools/nnc-ref/nnc.py"))


def tensors(path):
    m = onnx.load(str(path))
    return {t.name: numpy_helper.to_array(t) for t in m.graph.initializer
            if numpy_helper.to_array(t).dtype in (np.float32, np.int32)}


def nnc(*args):
    r = subprocess.run([sys.executable, str(NNC), *map(str, args)], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"nnc.py {' '.join(map(str, args))}: {r.stderr[-2000:]}")


def ours(binary, *args):
    r = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"nncodec {' '.join(map(str, args))}: {r.stderr}")
    return r.stdout


def main():
    binary = sys.argv[1]
    names = sys.argv[2:] or ["lenet300", "lenet5", "resnet_small", "concat_dw", "tiny_bert"]
    rows, failures = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in names:
            src = ROOT / "testdata" / f"{name}.onnx"
            ref = tensors(src)
            npz = tmp / f"{name}.npz"
            np.savez(npz, **ref)
            params = sum(v.size for v in ref.values())
            for qp in (-60, -38, -32, -24):
                for dq in (0, 1):
                    for po in (0, 1):
                        tag = f"{name} qp{qp} dq{dq} po{po}"
                        theirs, mine = tmp / "theirs.nnr", tmp / "ours.nnc"
                        nnc("encode", npz, theirs, "--qp", qp, "--dq", dq, "--param-opt", po, "--row-skipping", 0)
                        args = ["encode", src, f"--qp={qp}", "--no-topology", "--no-row-skipping", "--threads", "1",
                                "-o", mine, "--force", "--json"]
                        if dq: args.append("--dq")
                        if not po: args.append("--no-param-opt")
                        ours(binary, *args)
                        # NNCodec decodes our stream; nncodec decodes it with the graph.
                        nnc("decode", mine, tmp / "theirs_of_ours.npz")
                        ours(binary, "decode", mine, "--graph", src, "-o", tmp / "ours_of_ours.onnx", "--force")
                        a = dict(np.load(tmp / "theirs_of_ours.npz"))
                        b = tensors(tmp / "ours_of_ours.onnx")
                        ok_reverse = set(a) == set(ref) and all(np.array_equal(a[k].astype(b[k].dtype), b[k]) and
                                                                 a[k].tobytes() == b[k].astype(a[k].dtype).tobytes() for k in a)
                        # nncodec decodes NNCodec's stream; compare with NNCodec's own decode.
                        nnc("decode", theirs, tmp / "theirs_of_theirs.npz")
                        ours(binary, "decode", theirs, "--graph", src, "-o", tmp / "ours_of_theirs.onnx", "--force")
                        c = dict(np.load(tmp / "theirs_of_theirs.npz"))
                        d = tensors(tmp / "ours_of_theirs.onnx")
                        ok_forward = set(c) == set(d) and all(c[k].tobytes() == d[k].astype(c[k].dtype).tobytes() for k in c)
                        st, so = theirs.stat().st_size, mine.stat().st_size
                        ratio = so / st
                        rows.append((name, qp, dq, po, params, st, so, ratio, ok_forward, ok_reverse))
                        if not (ok_forward and ok_reverse):
                            failures.append(f"{tag}: forward {ok_forward} reverse {ok_reverse}")
                        if ratio > 1.005:
                            failures.append(f"{tag}: ours {so} bytes vs NNCodec {st} ({100 * (ratio - 1):+.2f}%)")
                        print(f"{tag}: NNCodec {st} ours {so} ({100 * (ratio - 1):+.3f}%) "
                              f"we-decode-theirs {'ok' if ok_forward else 'FAIL'} they-decode-ours {'ok' if ok_reverse else 'FAIL'}",
                              file=sys.stderr, flush=True)
    print("| model | qp | DQ | param_opt | params | NNCodec bytes | nncodec bytes | ours/theirs | NNCodec bits/param | nncodec bits/param | we decode theirs | they decode ours |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for (name, qp, dq, po, params, st, so, ratio, f, r) in rows:
        print(f"| {name} | {qp} | {dq} | {po} | {params:,} | {st:,} | {so:,} | {ratio:.4f} | {8 * st / params:.3f} | "
              f"{8 * so / params:.3f} | {'bit-exact' if f else 'FAIL'} | {'bit-exact' if r else 'FAIL'} |")
    print(f"\n{len(rows)} settings, {len(failures)} failures")
    for f in failures:
        print("FAIL:", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
