"""`nncodec finetune` cross-checks: every testdata model fine-tunes; the output passes the
onnx checker, loads in onnxruntime, keeps the graph, and its initializers changed."""
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import numpy_helper

from conftest import TESTDATA, models, run


def _data(entry, tmp_path):
    x = np.load(TESTDATA / entry["data_file"])[:96]
    if entry["labels_file"]:
        y = np.load(TESTDATA / entry["labels_file"])[:96]
    else:
        y = (np.arange(len(x)) % 4).astype(np.int64)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    return x


@pytest.mark.parametrize("entry", models(), ids=lambda e: e["name"])
def test_finetune_output_loads_in_onnxruntime(entry, tmp_path):
    x = _data(entry, tmp_path)
    src, out = TESTDATA / entry["file"], tmp_path / "ft.onnx"
    run("finetune", src, "--data", tmp_path / "x.npy", "--labels", tmp_path / "y.npy",
        "--epochs", 1, "--batch", 32, "--lr", 0.01, "--val-split", 0, "-o", out)
    a, b = onnx.load(str(src)), onnx.load(str(out))
    onnx.checker.check_model(b)
    assert [(n.op_type, list(n.input), list(n.output)) for n in a.graph.node] == \
           [(n.op_type, list(n.input), list(n.output)) for n in b.graph.node]
    wa = {t.name: numpy_helper.to_array(t) for t in a.graph.initializer}
    wb = {t.name: numpy_helper.to_array(t) for t in b.graph.initializer}
    assert wa.keys() == wb.keys()
    assert any(not np.array_equal(wa[k], wb[k]) for k in wa)
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    feed = {sess.get_inputs()[0].name: x[:4].astype(np.int64 if entry["input_dtype"] == "int64" else np.float32)}
    assert np.isfinite(sess.run(None, feed)[0]).all()


def test_finetune_distillation_and_errors(tmp_path):
    x = np.load(TESTDATA / "digits_test_x28.npy")[:64]
    np.save(tmp_path / "x.npy", x)
    src = TESTDATA / "lenet300.onnx"
    r = run("finetune", src, "--data", tmp_path / "x.npy", "--teacher", src, "--epochs", 1,
            "-o", tmp_path / "d.onnx", "--json")
    assert '"loss" : "distillation KL' in r.stdout
    np.save(tmp_path / "bad.npy", np.full(64, 12, dtype=np.int64))
    r = run("finetune", src, "--data", tmp_path / "x.npy", "--labels", tmp_path / "bad.npy",
            "--epochs", 1, "-o", tmp_path / "e.onnx", check=False)
    assert r.returncode != 0 and "labels[0]: class 12 is outside 0..<10" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "e.onnx").exists()
    r = run("finetune", src, "--data", tmp_path / "x.npy", "--labels", tmp_path / "bad.npy",
            "--epochs", 1, "-o", src, check=False)
    assert r.returncode != 0 and "refusing to overwrite the input" in r.stderr


def test_prune_then_finetune_keeps_the_mask(tmp_path):
    src = TESTDATA / "lenet300.onnx"
    out = tmp_path / "pf.onnx"
    run("prune", src, "--criterion", "unstructured", "--sparsity", 0.9, "--data", TESTDATA / "digits_calib_x28.npy",
        "--labels", TESTDATA / "digits_calib_y.npy", "--finetune", 2, "--no-sizes", "-o", out)
    p = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(out)).graph.initializer}
    weights = np.concatenate([v.ravel() for v in p.values() if v.ndim == 2])
    assert (weights == 0).mean() >= 0.9 - 1e-3
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    x = np.load(TESTDATA / "digits_test_x28.npy")
    y = np.load(TESTDATA / "digits_test_y.npy")
    assert (sess.run(None, {"input": x})[0].argmax(1) == y).mean() > 0.9
