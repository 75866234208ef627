"""encode → decode through the CLI gives valid ONNX that onnxruntime runs, with the top-1 of the original."""
import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from conftest import TESTDATA, models, run


def ort_logits(path, entry):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = np.load(TESTDATA / entry["data_file"])
    return sess.run(None, {entry["input_name"]: x})[0]


def top1(logits, entry):
    if not entry.get("labels_file"):
        return None
    y = np.load(TESTDATA / entry["labels_file"])
    return float((logits.argmax(1) == y).mean())


@pytest.mark.parametrize("dq", [False, True], ids=["uniform", "dq"])
@pytest.mark.parametrize("entry", models(), ids=lambda e: e["name"])
def test_encode_decode_runs_in_onnxruntime(entry, dq, tmp_path):
    src = TESTDATA / entry["file"]
    nnc, out = tmp_path / "m.nnc", tmp_path / "m.onnx"
    args = ["encode", src, "-q", "10", "-o", nnc, "--json"] + (["--dq"] if dq else [])
    enc = json.loads(run(*args).stdout)
    assert enc["bitstreamBytes"] == nnc.stat().st_size
    assert enc["bitstreamBytes"] < enc["onnxBytes"] / 2.5
    run("decode", nnc, "-o", out)
    onnx.checker.check_model(str(out), full_check=True)
    original, decoded = onnx.load(str(src)), onnx.load(str(out))
    for a, b in zip(original.graph.initializer, decoded.graph.initializer):
        assert (a.name, list(a.dims), a.data_type) == (b.name, list(b.dims), b.data_type)
    ref, got = ort_logits(src, entry), ort_logits(out, entry)
    assert got.shape == ref.shape and got.dtype == ref.dtype
    if entry["ort_top1"] is not None:
        # step 2^-10: top-1 must not move by more than one sample in 450
        assert abs(top1(got, entry) - top1(ref, entry)) <= 1 / 450 + 1e-9
    assert np.abs(got - ref).max() < 0.05 * max(1.0, np.abs(ref).max())


@pytest.mark.parametrize("entry", [m for m in models() if m["ort_top1"] is not None], ids=lambda e: e["name"])
def test_eval_reproduces_onnxruntime_top1(entry):
    r = json.loads(run("eval", TESTDATA / entry["file"], "--data", TESTDATA / entry["data_file"],
                       "--labels", TESTDATA / entry["labels_file"], "--json").stdout)
    assert r["samples"] == 450
    assert r["top1"] == pytest.approx(entry["ort_top1"], abs=1e-12)


def test_uniform_error_bound_through_the_cli(tmp_path):
    src = TESTDATA / "lenet300.onnx"
    run("encode", src, "-q", "7", "-o", tmp_path / "m.nnc")
    run("decode", tmp_path / "m.nnc", "-o", tmp_path / "m.onnx")
    a = {t.name: onnx.numpy_helper.to_array(t) for t in onnx.load(str(src)).graph.initializer}
    b = {t.name: onnx.numpy_helper.to_array(t) for t in onnx.load(str(tmp_path / "m.onnx")).graph.initializer}
    for name, w in a.items():
        if w.ndim >= 2:
            assert np.abs(w - b[name]).max() <= 2.0 ** -7 / 2
            assert np.array_equal(b[name], np.round(b[name] * 2 ** 7) / 2 ** 7)


def test_decode_errors_are_clean(tmp_path):
    nnc = tmp_path / "m.nnc"
    run("encode", TESTDATA / "lenet5.onnx", "-o", nnc)
    data = nnc.read_bytes()
    cases = {"cut.nnc": data[: len(data) // 3], "head.nnc": data[:5], "empty.nnc": b"",
             "garbage.nnc": data + b"\x00\x01\x02", "text.nnc": b"not a bitstream at all\n"}
    for name, b in cases.items():
        p = tmp_path / name
        p.write_bytes(b)
        out = tmp_path / (name + ".onnx")
        r = run("decode", p, "-o", out, check=False)
        assert r.returncode != 0, name
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        assert len(lines) == 1 and str(p) in lines[0], (name, r.stderr)
        assert not out.exists()


def test_encode_refuses_overwrite_and_keeps_input(tmp_path):
    nnc = tmp_path / "m.nnc"
    nnc.write_bytes(b"old")
    r = run("encode", TESTDATA / "lenet300.onnx", "-o", nnc, check=False)
    assert r.returncode != 0 and "--force" in r.stderr and nnc.read_bytes() == b"old"
    r = run("decode", nnc, "-o", TESTDATA / "lenet300.onnx", check=False)
    assert r.returncode != 0


def test_no_topology_needs_graph(tmp_path):
    nnc = tmp_path / "m.nnc"
    run("encode", TESTDATA / "lenet300.onnx", "--no-topology", "-o", nnc)
    r = run("decode", nnc, "-o", tmp_path / "x.onnx", check=False)
    assert r.returncode != 0 and "--graph" in r.stderr
    run("decode", nnc, "--graph", TESTDATA / "lenet300.onnx", "-o", tmp_path / "y.onnx")
    onnx.checker.check_model(str(tmp_path / "y.onnx"), full_check=True)
