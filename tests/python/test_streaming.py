"""Streaming: a model whose tensors exceed a memory cap is encoded and decoded within it.

The model (8 MiB of float32 weights in 32 tensors, in an external-data file made here) is
larger than the cap the test sets: the peak resident memory of `nncodec encode` and of
`nncodec decode --external-data` may exceed that of `nncodec info` on the same model by
at most 3 MiB (3/8 of the weights; each tensor is 0.25 MiB). Each command runs in a fresh Python process so
that ru_maxrss is its own.
"""
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from conftest import nncodec_path

CAP_BYTES = 3 << 20
TENSORS, ROWS, COLS = 32, 256, 256   # 32 × 0.25 MiB


def make_model(path):
    rng = np.random.default_rng(15)
    inits, nodes, outputs = [], [], []
    for i in range(TENSORS):
        w = rng.integers(-3, 4, size=(ROWS, COLS)).astype(np.float32)
        inits.append(numpy_helper.from_array(w, f"w{i}"))
        nodes.append(helper.make_node("Identity", [f"w{i}"], [f"y{i}"]))
        outputs.append(helper.make_tensor_value_info(f"y{i}", TensorProto.FLOAT, [ROWS, COLS]))
    graph = helper.make_graph(nodes, "streaming", [], outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
              location=path.name + ".data", size_threshold=0)


def peak_rss(*args):
    """Runs nncodec in a child of a fresh interpreter; returns its peak RSS in bytes."""
    code = ("import resource, subprocess, sys\n"
            "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
            "assert r.returncode == 0, r.stderr\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    out = subprocess.run([sys.executable, "-c", code, nncodec_path(), *map(str, args)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return int(out.stdout.strip()) * 1024


def test_encode_and_decode_stay_under_the_cap(tmp_path):
    src, nnc, out = tmp_path / "big.onnx", tmp_path / "big.nnc", tmp_path / "out.onnx"
    make_model(src)
    weights = TENSORS * ROWS * COLS * 4
    assert weights > 2 * CAP_BYTES
    base = peak_rss("info", src)
    # Step 1 (-q 0): levels are the weights themselves; no param_opt keeps the debug build quick.
    enc = peak_rss("encode", src, "-q", "0", "--no-param-opt", "--threads", "2", "-o", nnc)
    dec = peak_rss("decode", nnc, "-o", out, "--external-data", "--threads", "2")
    print(f"peak RSS: info {base}, encode {enc}, decode {dec}")
    assert enc - base <= CAP_BYTES, f"encode peak {enc} vs info {base}"
    assert dec - base <= CAP_BYTES, f"decode peak {dec} vs info {base}"
    # The decoded model is exact (integer weights at step 1) and its data is external.
    assert (tmp_path / "out.onnx.data").stat().st_size == weights
    assert all(t.data_location == TensorProto.EXTERNAL
               for t in onnx.load(str(out), load_external_data=False).graph.initializer)
    original, decoded = onnx.load(str(src)), onnx.load(str(out))
    for a, b in zip(original.graph.initializer, decoded.graph.initializer):
        assert np.array_equal(numpy_helper.to_array(a), numpy_helper.to_array(b))


def test_short_external_data_is_refused_without_output(tmp_path):
    src, nnc = tmp_path / "big.onnx", tmp_path / "big.nnc"
    make_model(src)
    data = tmp_path / "big.onnx.data"
    with open(data, "r+b") as f:
        f.truncate(data.stat().st_size - 1000)
    r = subprocess.run([nncodec_path(), "encode", str(src), "-o", str(nnc)], capture_output=True, text=True)
    assert r.returncode != 0
    assert "big.onnx.data" in r.stderr and "truncated" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not nnc.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
