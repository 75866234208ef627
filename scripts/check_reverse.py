#!/usr/bin/env python3
"""Decode our NNR streams with NNCodec 2.1.3 and compare bit for bit with what our decoder
reconstructs.

  check_reverse.py DIR

DIR holds manifest.json, the .nnr streams and our decoded tensors (.bin, little-endian,
C order) as written by the Swift test "NNR reverse-check streams" (scripts/check-reverse.sh
runs both). Exits 1 on any difference.
"""
import contextlib, io, json, os, sys
import numpy as np


def main():
    d = sys.argv[1]
    from nncodec.nnc import compression as nnc
    manifest = json.load(open(os.path.join(d, "manifest.json")))
    failures = 0
    for s in manifest["streams"]:
        path = os.path.join(d, s["file"])
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                dec = nnc.decompress(path)
        except BaseException as e:  # NNCodec raises SystemExit/AssertionError on bad streams
            print(f"FAIL {s['file']}: NNCodec could not decode: {type(e).__name__}: {e}")
            failures += 1
            continue
        bad = []
        for t in s["tensors"]:
            ours = np.fromfile(os.path.join(d, t["data"]), dtype="<" + ("f4" if t["dtype"] == "float32" else "i4"))
            theirs = np.asarray(dec.get(t["name"]))
            if theirs.dtype != np.dtype(t["dtype"]) or list(theirs.shape) != t["shape"]:
                bad.append(f"{t['name']}: NNCodec gives {theirs.dtype}{list(theirs.shape)}, ours {t['dtype']}{t['shape']}")
                continue
            theirs = np.ascontiguousarray(theirs).reshape(-1)
            if theirs.tobytes() != ours.tobytes():
                i = int(np.nonzero(theirs.view(np.uint32) != ours.view(np.uint32))[0][0])
                bad.append(f"{t['name']}: element {i}: NNCodec {theirs[i]!r}, ours {ours[i]!r}")
        if set(dec.keys()) != {t["name"] for t in s["tensors"]}:
            bad.append(f"tensor names differ: {sorted(dec.keys())}")
        if bad:
            failures += 1
            print(f"FAIL {s['file']}: " + "; ".join(bad))
        else:
            print(f"ok   {s['file']} ({len(s['tensors'])} tensors, {os.path.getsize(path)} bytes)")
    print(f"{len(manifest['streams']) - failures}/{len(manifest['streams'])} streams decode bit-exactly with NNCodec 2.1.3")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
