#!/usr/bin/env python3
"""Make testdata/quant/lenet300_nnc.json: what NNCodec 2.1.3 does with LeNet-300-100's
tensors at qp -38 (weights) / -75 (1-D tensors), param_opt on, no row skipping, for DQ off/on
and lambda_scale 0 and 1. Records the stream size and FNV-1a 64 of the stream, and per tensor
NNCodec's reconstruction MSE against the original and the FNV-1a 64 of its decoded float32
bytes, so Swift tests can compare our quantizers' levels, errors and sizes without Python.

  /opt/nnc-ref/bin/python scripts/make_quant_fixtures.py [testdata/lenet300.onnx] [OUT.json]
"""
import contextlib, io, json, os, sys, tempfile
import numpy as np
import onnx
from onnx import numpy_helper
from fixture_hash import fnv1a64


def main():
    model = sys.argv[1] if len(sys.argv) > 1 else "testdata/lenet300.onnx"
    out = sys.argv[2] if len(sys.argv) > 2 else "testdata/quant/lenet300_nnc.json"
    from nncodec.nnc import compression as nnc
    m = onnx.load(model)
    tensors = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    tensors = {k: v for k, v in tensors.items() if v.dtype == np.float32}
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for dq in (0, 1):
            for ls in (0.0, 1.0):
                path = os.path.join(tmp, "s.nnr")
                with contextlib.redirect_stdout(io.StringIO()):
                    nnc.compress(dict(tensors), bitstream_path=path, qp=-38, qp_density=2, nonweight_qp=-75,
                                 use_dq=bool(dq), param_opt=True, row_skipping=False, lambda_scale=ls,
                                 cabac_unary_length_minus1=10)
                    dec = nnc.decompress(path)
                data = open(path, "rb").read()
                per = []
                for name, v in tensors.items():
                    d = np.asarray(dec[name], dtype=np.float32)
                    per.append({"name": name, "mse": float(np.mean((d.astype(np.float64) - v.astype(np.float64)) ** 2)),
                                "fnv1a64": fnv1a64(d.astype("<f4").tobytes())})
                runs.append({"use_dq": dq, "lambda_scale": ls, "qp": -38, "nonweight_qp": -75, "bytes": len(data),
                             "fnv1a64": fnv1a64(data), "tensors": per})
                print(f"dq {dq} lambda_scale {ls}: {len(data)} bytes", file=sys.stderr)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump({"model": os.path.basename(model), "nncodec": "2.1.3", "runs": runs}, f, indent=1)


if __name__ == "__main__":
    main()
