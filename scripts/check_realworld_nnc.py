#!/usr/bin/env python3
"""NNCodec 2.1.3 decodes our --no-topology streams of the exporter-pattern models (weights in
Constant nodes, sparse values, If bodies, a −inf mask as RAW_FLOAT, exact values at a
power-of-two step); every tensor equals, bit for bit, what `nncodec decode --graph` restores.

  check_realworld_nnc.py NNCODEC_BINARY [Q]      (run with /opt/nnc-ref/bin/python)
"""
import contextlib, io, json, subprocess, sys, tempfile
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main():
    binary, q = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "15")
    from nncodec.nnc import compression as nnc
    patterns = json.loads((ROOT / "testdata/realworld/manifest.json").read_text())["patterns"]
    failures = 0
    with tempfile.TemporaryDirectory() as d:
        for p in patterns:
            src = ROOT / "testdata/realworld" / f"{p['name']}.onnx"
            nnr = Path(d) / f"{p['name']}.nnr"
            enc = json.loads(subprocess.run([binary, "encode", src, "-q", q, "--no-topology", "-o", nnr, "--json"],
                                            check=True, capture_output=True, text=True).stdout)
            with contextlib.redirect_stdout(io.StringIO()):
                theirs = nnc.decompress(str(nnr))
            ours = json.loads(subprocess.run([binary, "decode", nnr, "--graph", src, "-o", Path(d) / f"{p['name']}.onnx", "--json"],
                                             check=True, capture_output=True, text=True).stdout)
            coded = [t for t in enc["report"]["tensors"] if t["role"] != "kept"]
            missing = [t["name"] for t in coded if t["name"] not in theirs]
            ours_model = decoded_tensors(Path(d) / f"{p['name']}.onnx")
            bad = [t["name"] for t in coded if t["name"] in theirs and t["name"] in ours_model
                   and not same_bits(theirs[t["name"]], ours_model[t["name"]])]
            ok = not missing and not bad and len(ours["report"]["tensors"]) == len(coded)
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {p['name']}: {len(coded)} tensors "
                  f"({sum(t['role'] == 'rawFloat' for t in coded)} exact, of them "
                  f"{sum(t['role'] == 'rawFloat' and t.get('stepSize') is None for t in coded)} RAW_FLOAT) decoded by NNCodec"
                  + (f"; missing {missing}" if missing else "") + (f"; differ {bad}" if bad else ""))
    sys.exit(1 if failures else 0)


def decoded_tensors(path):
    """Every stored tensor of the decoded model by stream name (as nncodec names them)."""
    import onnx
    from onnx import numpy_helper
    out = {}
    def walk(g):
        for t in g.initializer:
            out[t.name] = numpy_helper.to_array(t)
        for n in g.node:
            for a in n.attribute:
                if n.op_type == "Constant" and a.name == "value":
                    out[n.output[0]] = numpy_helper.to_array(a.t)
                elif n.op_type == "Constant" and a.name == "value_floats":
                    out[n.output[0]] = np.array(a.floats, np.float32)
                elif n.op_type == "Constant" and a.name == "value_ints":
                    out[n.output[0]] = np.array(a.ints, np.int64)
                elif n.op_type == "Constant" and a.name == "sparse_value":
                    out[n.output[0] + ".values"] = numpy_helper.to_array(a.sparse_tensor.values)
                    out[n.output[0] + ".indices"] = numpy_helper.to_array(a.sparse_tensor.indices)
                if a.type == onnx.AttributeProto.GRAPH:
                    walk(a.g)
    walk(onnx.load(str(path)).graph)
    return out


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.size != b.size:
        return False
    if a.dtype.kind == "f" and b.dtype.kind == "f":
        return np.array_equal(a.astype(np.float32).reshape(-1).view(np.uint32), b.astype(np.float32).reshape(-1).view(np.uint32))
    return np.array_equal(a.reshape(-1).astype(np.int64), b.reshape(-1).astype(np.int64))


if __name__ == "__main__":
    main()
