"""ONNX load → save through nncodec keeps every model valid and its outputs bit-identical."""
import shutil
import subprocess

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from conftest import TESTDATA, models, run


def ort_outputs(path, model_entry, n=64):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = np.load(TESTDATA / model_entry["data_file"])[:n]
    return sess.run(None, {model_entry["input_name"]: x})


@pytest.mark.parametrize("entry", models(), ids=lambda e: e["name"])
def test_convert_keeps_model(entry, tmp_path):
    src = TESTDATA / entry["file"]
    out = tmp_path / "out.onnx"
    run("convert", src, "-o", out)
    onnx.checker.check_model(str(out), full_check=True)
    for a, b in zip(ort_outputs(src, entry), ort_outputs(out, entry)):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert np.array_equal(a, b), "outputs must be bit-identical"
    if entry["external_data"] is None:
        assert out.read_bytes() == src.read_bytes(), "re-serialization of an onnx-written file is byte-identical"
    else:
        assert (tmp_path / "out.onnx.data").read_bytes() == (TESTDATA / entry["external_data"]).read_bytes()


@pytest.mark.parametrize("entry", [e for e in models() if e["external_data"] is None], ids=lambda e: e["name"])
def test_external_data_out_and_back(entry, tmp_path):
    src = TESTDATA / entry["file"]
    ext = tmp_path / "ext.onnx"
    run("convert", src, "-o", ext, "--external-data", "--threshold", "1024")
    assert (tmp_path / "ext.onnx.data").exists()
    assert ext.stat().st_size < src.stat().st_size
    onnx.checker.check_model(str(ext), full_check=True)
    m = onnx.load(str(ext), load_external_data=False)
    assert any(t.data_location == onnx.TensorProto.EXTERNAL for t in m.graph.initializer)
    for a, b in zip(ort_outputs(src, entry), ort_outputs(ext, entry)):
        assert np.array_equal(a, b)
    back = tmp_path / "back.onnx"
    run("convert", ext, "-o", back, "--inline")
    assert back.read_bytes() == src.read_bytes()


def test_convert_refuses_to_overwrite_input(tmp_path):
    src = tmp_path / "m.onnx"
    shutil.copy(TESTDATA / "lenet300.onnx", src)
    before = src.read_bytes()
    r = run("convert", src, "-o", src, "--force", check=False)
    assert r.returncode != 0
    assert "overwrite the input" in r.stderr
    assert src.read_bytes() == before
    other = tmp_path / "o.onnx"
    other.write_bytes(b"keep me")
    r = run("convert", src, "-o", other, check=False)
    assert r.returncode != 0 and "--force" in r.stderr
    assert other.read_bytes() == b"keep me"


def corrupt_copies(tmp_path):
    data = (TESTDATA / "lenet5.onnx").read_bytes()
    rng = np.random.default_rng(0)
    cases = {
        "empty.onnx": b"",
        "half.onnx": data[: len(data) // 2],
        "head.onnx": data[:7],
        "tail-cut.onnx": data[:-3],
        "random.onnx": rng.integers(0, 256, 4096, dtype=np.uint8).tobytes(),
        "text.onnx": b"this is not a model\n" * 10,
    }
    for name, b in cases.items():
        (tmp_path / name).write_bytes(b)
    return list(cases)


@pytest.mark.parametrize("command", ["info", "convert"])
def test_corrupt_models_fail_cleanly(command, tmp_path):
    for name in corrupt_copies(tmp_path):
        path = tmp_path / name
        out = tmp_path / (name + ".out.onnx")
        args = [command, path] + (["-o", out] if command == "convert" else [])
        r = run(*args, check=False)
        assert r.returncode != 0, name
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        assert len(lines) == 1, f"{name}: expected one error line, got {r.stderr!r}"
        assert str(path) in lines[0], f"{name}: error must name the file: {lines[0]}"
        assert not out.exists(), "no partial output"
        assert not any(p.name.startswith(".") and ".tmp-" in p.name for p in tmp_path.iterdir())


def test_missing_file_and_directory(tmp_path):
    r = run("info", tmp_path / "nope.onnx", check=False)
    assert r.returncode != 0 and "no such file" in r.stderr
    r = run("info", tmp_path, check=False)
    assert r.returncode != 0 and "directory" in r.stderr


def test_missing_external_data(tmp_path):
    shutil.copy(TESTDATA / "lenet300_ext.onnx", tmp_path / "m.onnx")
    r = run("info", tmp_path / "m.onnx", check=False)
    assert r.returncode != 0
    assert "lenet300_ext.onnx.data" in r.stderr and "missing" in r.stderr


def test_info_json_counts_parameters():
    import json
    for entry in models():
        r = run("info", TESTDATA / entry["file"], "--json")
        s = json.loads(r.stdout)
        m = onnx.load(str(TESTDATA / entry["file"]))
        # Initializers and Constant node values alike (issue 13: tiny_bert's shape constants).
        constants = [a.t for n in m.graph.node if n.op_type == "Constant" for a in n.attribute if a.name == "value"]
        expected = sum(int(np.prod(t.dims)) for t in list(m.graph.initializer) + constants)
        assert s["parameters"] == expected
        assert s["nodeCount"] == len(m.graph.node)
