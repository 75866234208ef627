#!/usr/bin/env python3
"""Record how NNCodec 2.1.3 decodes our opt-in block-scan streams (entry points).

Run with the reference python (NNCodec 2.1.3 installed), via scripts/make-entry-point-fixture.sh:

  make_entry_point_fixture.py NNCODEC_BINARY MODEL.onnx OUT.json

For each setting (-q 8, with and without DQ, --block-scan 1...4) it encodes MODEL with our
encoder in NNCodec's stream form (--no-topology), has NNCodec decode the stream, and writes
the stream's size and FNV-1a 64 hash and an FNV-1a 64 hash of each tensor NNCodec decoded
(float32 little-endian bytes). No stream is committed: the Swift test re-encodes MODEL,
checks the stream hash (so the verdict applies to exactly that stream) and compares its own
decode, at 1, 2 and 4 threads, with NNCodec's hashes.
"""
import contextlib, io, json, os, subprocess, sys, tempfile
import numpy as np
from fixture_hash import fnv1a64


def main():
    binary, model, out = sys.argv[1:4]
    from nncodec.nnc import compression as nnc
    streams = []
    with tempfile.TemporaryDirectory() as tmp:
        for dq in (0, 1):
            for scan in (1, 2, 3, 4):
                path = os.path.join(tmp, f"q8_dq{dq}_scan{scan}.nnr")
                cmd = [binary, "encode", model, "-q", "8", "--block-scan", str(scan), "--no-topology",
                       "--threads", "2", "-o", path] + (["--dq"] if dq else [])
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
                data = open(path, "rb").read()
                with contextlib.redirect_stdout(io.StringIO()):
                    decoded = nnc.decompress(path)
                tensors = [{"name": k, "fnv1a64": fnv1a64(np.ascontiguousarray(v, dtype=np.float32).tobytes())}
                           for k, v in sorted(decoded.items())]
                streams.append({"settings": {"q": 8, "dq": dq, "block_scan": scan}, "bytes": len(data),
                                "fnv1a64": fnv1a64(data), "tensors": tensors})
                print(f"dq {dq} scan {scan}: {len(data)} bytes, NNCodec decoded {len(tensors)} tensors")
    manifest = {"generator": "scripts/make_entry_point_fixture.py with NNCodec 2.1.3",
                "model": os.path.basename(model), "streams": streams}
    with open(out, "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
