"""The real-model test set (testdata/realworld, made by scripts/make_realworld.py).

torchvision models are committed as skeletons (graph + per-tensor statistics); `materialize`
refills every emptied initializer with seeded normal values clipped to the recorded
[min, max], so the suite needs neither torch nor a download.
"""
import json
import zlib
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

TESTDATA = Path(__file__).resolve().parents[2] / "testdata"

REALWORLD = TESTDATA / "realworld"


def manifest():
    return json.loads((REALWORLD / "manifest.json").read_text())


def materialize(name: str, out: Path) -> Path:
    m = onnx.load(str(REALWORLD / f"tv_{name}.skel.onnx"))
    stats = json.loads((REALWORLD / f"tv_{name}.stats.json").read_text())
    for t in m.graph.initializer:
        s = stats.get(t.name)
        if s is None:
            continue
        rng = np.random.default_rng(zlib.crc32(t.name.encode()))
        a = rng.standard_normal(tuple(t.dims)).astype(np.float32) * s["std"] + s["mean"]
        a = np.clip(a, s["min"], s["max"]).astype(np.float32)
        t.CopyFrom(numpy_helper.from_array(a, t.name))
    onnx.save(m, str(out))
    return out


def sample_input(entry, seed=0):
    return np.random.default_rng(seed).standard_normal(entry["shape"]).astype(np.float32)


def ort_outputs(path, entry, x):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return sess.run(None, {entry["input"]: x})[0]


def relative_error(ref, got):
    """max |got − ref| over max |ref| (finite entries; non-finite ones must match exactly)."""
    fin = np.isfinite(ref)
    assert np.array_equal(fin, np.isfinite(got)), "non-finite outputs moved"
    return float(np.abs(got[fin] - ref[fin]).max() / max(np.abs(ref[fin]).max(), 1e-12))
