#!/usr/bin/env python3
"""Make NNCodec 2.1.3 interoperability fixtures under testdata/nnc/.

Run with the reference python (NNCodec 2.1.3 installed), via scripts/make-nnc-fixtures.sh:

  make_nnc_fixtures.py OUTDIR [--lenet MODEL.onnx]

For a seeded set of random weight-like tensors it encodes one stream per combination of
qp in {-60, -38, -32, -24} x DQ x param_opt x row_skipping (plus two other unary lengths),
has NNCodec decode each stream, and stores the stream (.nnr) and NNCodec's decoded tensors
as raw little-endian files (.bin, float32 or int32, C order) described by manifest.json.
With --lenet it also encodes the float32/int32 initializers of that ONNX model at a few
settings; for those only an FNV-1a 64-bit hash of each decoded tensor's bytes is stored.
Swift tests read the manifest without Python.
"""
import argparse, contextlib, io, json, os, sys
import numpy as np

NNC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "tools", "nnc-ref")
from fixture_hash import fnv1a64


def random_tensors(seed=20241120):
    rng = np.random.default_rng(seed)
    t = {}
    t["fc1.weight"] = (rng.standard_normal((48, 40)) * 0.05).astype(np.float32)
    t["fc1.bias"] = (rng.standard_normal(48) * 0.01).astype(np.float32)
    t["conv1.weight"] = (rng.standard_normal((8, 3, 3, 3)) * 0.2).astype(np.float32)
    # Rows 0, 3, 6, ... all zero; heavy tails so the Exp-Golomb remainder is used.
    w = (rng.standard_t(2, (30, 24)) * 0.02).astype(np.float32)
    w[::3] = 0
    w[1, 5] = 0.9
    w[2, 7] = -1.7
    t["fc2.weight"] = w
    t["steps"] = np.array([0, 1, -1, 7, -300, 123456, 2**20, -(2**24) + 3, 5, 0], dtype=np.int32)
    idx = rng.integers(-3, 4, (6, 5)).astype(np.int32)
    idx[[0, 4]] = 0
    t["index.table"] = idx
    return t


def encode(tensors, path, **kw):
    from nncodec.nnc import compression as nnc
    with contextlib.redirect_stdout(io.StringIO()):
        nnc.compress(tensors, bitstream_path=path, **kw)


def decode(path):
    from nncodec.nnc import compression as nnc
    with contextlib.redirect_stdout(io.StringIO()):
        return nnc.decompress(path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("outdir")
    p.add_argument("--lenet")
    a = p.parse_args()
    out = os.path.abspath(a.outdir)
    streams = []

    def run(group, tensors, name, settings, store_values):
        os.makedirs(os.path.join(out, group), exist_ok=True)
        rel = f"{group}/{name}.nnr"
        kw = dict(scan_order=0)
        kw.update(settings)
        encode(tensors, os.path.join(out, rel), qp_density=2, nonweight_qp=-75, lambda_scale=0,
               codebook_mode=0, **kw)
        dec = decode(os.path.join(out, rel))
        entry = {"file": rel, "settings": {k: (int(v) if isinstance(v, (bool, np.integer)) else v)
                                           for k, v in settings.items()}, "tensors": []}
        for tname in tensors:
            arr = np.ascontiguousarray(np.asarray(dec[tname]))
            assert arr.dtype in (np.float32, np.int32), arr.dtype
            data = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
            t = {"name": tname, "dtype": str(arr.dtype), "shape": list(arr.shape), "fnv1a64": fnv1a64(data)}
            if store_values:
                safe = tname.replace("/", "_")
                t["data"] = f"{group}/{name}.{safe}.bin"
                with open(os.path.join(out, t["data"]), "wb") as f:
                    f.write(data)
            entry["tensors"].append(t)
        streams.append(entry)
        print(f"{rel}: {os.path.getsize(os.path.join(out, rel))} bytes", file=sys.stderr)

    tensors = random_tensors()
    for qp in (-60, -38, -32, -24):
        for dq in (0, 1):
            for po in (0, 1):
                for rs in (0, 1):
                    settings = dict(qp=qp, use_dq=bool(dq), param_opt=bool(po), row_skipping=bool(rs),
                                    cabac_unary_length_minus1=10)
                    run("random", tensors, f"qp{qp}_dq{dq}_po{po}_rs{rs}", settings, True)
    for ul in (0, 3):
        settings = dict(qp=-38, use_dq=True, param_opt=True, row_skipping=True, cabac_unary_length_minus1=ul)
        run("random", tensors, f"qp-38_dq1_po1_rs1_ul{ul}", settings, True)
    # Block scans (scan_order 1...4) with entry points.
    scanned = dict(tensors)
    scanned["wide.weight"] = (np.random.default_rng(9).standard_normal((140, 70)) * 0.05).astype(np.float32)
    scanned["wide.weight"][5:20] = 0
    for so, dq, po, rs in ((1, 0, 0, 0), (1, 1, 1, 0), (1, 1, 1, 1), (2, 1, 1, 1), (3, 0, 1, 1), (4, 1, 1, 1)):
        settings = dict(qp=-38, use_dq=bool(dq), param_opt=bool(po), row_skipping=bool(rs),
                        cabac_unary_length_minus1=10, scan_order=so)
        run("random", scanned, f"scan{so}_qp-38_dq{dq}_po{po}_rs{rs}", settings, True)
    # One unit over 32 KiB (long nnr_unit_size form); only hashes of its decoded values.
    big = {"big.weight": (np.random.default_rng(7).standard_normal((160, 256)) * 0.05).astype(np.float32)}
    for dq in (0, 1):
        settings = dict(qp=-60, use_dq=bool(dq), param_opt=True, row_skipping=False, cabac_unary_length_minus1=10)
        run("random", big, f"big_qp-60_dq{dq}_po1_rs0", settings, False)

    if a.lenet:
        import onnx
        from onnx import numpy_helper
        m = onnx.load(a.lenet)
        lt = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
        lt = {k: v for k, v in lt.items() if v.dtype in (np.float32, np.int32)}
        for qp, dq in ((-60, 0), (-38, 1), (-32, 0), (-32, 1)):
            settings = dict(qp=qp, use_dq=bool(dq), param_opt=True, row_skipping=False, cabac_unary_length_minus1=10)
            run("lenet300", lt, f"qp{qp}_dq{dq}_po1_rs0", settings, False)

    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"generator": "scripts/make_nnc_fixtures.py with NNCodec 2.1.3", "streams": streams}, f, indent=1)


if __name__ == "__main__":
    main()
