#!/usr/bin/env python3
"""Fixture for the rate-allocation interop check: NNCodec 2.1.3 decodes a per-tensor-qp stream.

  make_rate_fixture.py NNCODEC     (run with /opt/nnc-ref/bin/python; see scripts/make-rate-fixture.sh)

Encodes testdata/concat_dw.onnx with `nncodec encode --max-drop 1 --val-split 0.5 --dq
--no-topology` on the digits test images (per-tensor qps, DQ), writes the stream to
testdata/rate/concat_dw_alloc.nnr, has NNCodec decode it, and records in
testdata/rate/concat_dw_alloc.json the encode options and the SHA-256 of every tensor NNCodec
decoded (little-endian float32/int32, C order). The Swift suite (RateFixtureTests) checks
that our decoder gives the same bytes and that the encoder reproduces the stream.
"""
import contextlib, hashlib, io, json, os, subprocess, sys
import numpy as np

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = os.path.join(root, "testdata/rate")
os.makedirs(out, exist_ok=True)
stream = os.path.join(out, "concat_dw_alloc.nnr")
r = subprocess.run([sys.argv[1], "encode", os.path.join(root, "testdata/concat_dw.onnx"),
                    "--data", os.path.join(root, "testdata/digits_test_x28.npy"),
                    "--labels", os.path.join(root, "testdata/digits_test_y.npy"),
                    "--val-split", "0.5", "--max-drop", "1", "--dq", "--no-topology", "--threads", "1",
                    "--json", "--force", "-o", stream], capture_output=True, text=True, check=True)
report = json.loads(r.stdout)
from nncodec.nnc import compression as nnc
with contextlib.redirect_stdout(io.StringIO()):
    dec = nnc.decompress(stream)
tensors = {}
for name, v in sorted(dec.items()):
    a = np.ascontiguousarray(np.asarray(v))
    tensors[name] = {"dtype": str(a.dtype), "shape": list(a.shape),
                     "sha256": hashlib.sha256(a.astype(a.dtype.newbyteorder("<")).tobytes()).hexdigest()}
options = report["report"]["options"]
json.dump({"generator": "scripts/make_rate_fixture.py, decoded by NNCodec 2.1.3",
           "stream": "concat_dw_alloc.nnr", "model": "concat_dw.onnx",
           "qp": options["qp"], "dependentQuantization": options["dependentQuantization"],
           "tensorQps": options["tensorQps"], "bytes": os.path.getsize(stream), "nncodec_decoded": tensors},
          open(os.path.join(out, "concat_dw_alloc.json"), "w"), indent=1, sort_keys=True)
print(f"{stream}: {os.path.getsize(stream)} bytes, {len(tensors)} tensors decoded by NNCodec, "
      f"qps {sorted(set(options['tensorQps'].values()))}")
