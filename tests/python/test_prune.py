"""Pruned and simplified models pass onnx.checker and give the same outputs in onnxruntime."""
import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from conftest import TESTDATA, models, run

IMAGE_MODELS = [e for e in models() if e["name"] in ("lenet300", "lenet5", "resnet_small", "concat_dw")]


def ort_run(path, entry):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = np.load(TESTDATA / entry["data_file"])
    return sess.run(None, {entry["input_name"]: x})[0]


@pytest.mark.parametrize("criterion,target", [("structured", "0.5"), ("unstructured", "0.9")])
@pytest.mark.parametrize("entry", IMAGE_MODELS, ids=lambda e: e["name"])
def test_prune_then_simplify_matches_in_onnxruntime(entry, criterion, target, tmp_path):
    src = TESTDATA / entry["file"]
    pruned, simple = tmp_path / "pruned.onnx", tmp_path / "simple.onnx"
    run("prune", src, "--criterion", criterion, "--sparsity", target, "-o", pruned, "--no-sizes")
    r = run("simplify", pruned, "-o", simple, "--no-sizes", "--json")
    report = json.loads(r.stdout)
    for p in (pruned, simple):
        onnx.checker.check_model(str(p), full_check=True)
    a, b = ort_run(pruned, entry), ort_run(simple, entry)
    assert a.shape == b.shape
    assert np.max(np.abs(a - b)) <= 1e-4
    if criterion == "structured":
        assert report["comparison"]["onnxBytesAfter"] < report["comparison"]["onnxBytesBefore"]


def test_simplify_folds_batchnorm(tmp_path):
    entry = next(e for e in models() if e["name"] == "resnet_small")
    out = tmp_path / "s.onnx"
    run("simplify", TESTDATA / entry["file"], "-o", out, "--no-sizes")
    m = onnx.load(str(out))
    assert not any(n.op_type == "BatchNormalization" for n in m.graph.node)
    a, b = ort_run(TESTDATA / entry["file"], entry), ort_run(out, entry)
    assert np.max(np.abs(a - b)) <= 1e-4


def test_bad_arguments_fail_with_one_line(tmp_path):
    src = TESTDATA / "lenet300.onnx"
    r = run("prune", src, "--criterion", "structured", "--sparsity", "1.5", "-o", tmp_path / "x.onnx", check=False)
    assert r.returncode != 0 and "--sparsity" in r.stderr
    r = run("prune", src, "--criterion", "unstructured", "--twt", "0.1", "-o", tmp_path / "x.onnx", check=False)
    assert r.returncode != 0 and "--data" in r.stderr
    r = run("prune", src, "--criterion", "unstructured", "--sparsity", "0.5", "-o", src, check=False)
    assert r.returncode != 0 and "overwrite" in r.stderr
    assert not (tmp_path / "x.onnx").exists()


def test_compensated_structured_pruning_meets_target(tmp_path):
    """--compensate (least-squares re-fit of the next layer on the calibration split): lenet300
    simplified to a .onnx ≥ 3× smaller, top-1 (onnxruntime, whole test split) within 0.5 points."""
    entry = next(e for e in models() if e["name"] == "lenet300")
    src = TESTDATA / entry["file"]
    pruned, simple = tmp_path / "pruned.onnx", tmp_path / "simple.onnx"
    r = run("prune", src, "--criterion", "structured", "--compensate", "--twt", "0.2",
            "--data", TESTDATA / "digits_test_x28.npy", "--labels", TESTDATA / "digits_test_y.npy",
            "--calibration", TESTDATA / "digits_calib_x28.npy", "-o", pruned, "--no-sizes", "--json")
    comp = json.loads(r.stdout)["report"]["compensation"]
    assert [c["layer"] for c in comp] == ["fc1", "fc2"]
    assert all(c["relativeErrorCompensated"] < c["relativeErrorUncompensated"] for c in comp)
    run("simplify", pruned, "-o", simple, "--no-sizes")
    onnx.checker.check_model(str(simple), full_check=True)
    assert src.stat().st_size / simple.stat().st_size >= 3
    y = np.load(TESTDATA / "digits_test_y.npy")
    top1 = lambda p: float(np.mean(np.argmax(ort_run(p, entry), axis=1) == y))
    assert top1(simple) >= top1(src) - 0.005
    assert np.max(np.abs(ort_run(pruned, entry) - ort_run(simple, entry))) <= 1e-4


def test_compensate_argument_errors(tmp_path):
    src = TESTDATA / "lenet300.onnx"
    cal = TESTDATA / "digits_calib_x28.npy"
    r = run("prune", src, "--criterion", "structured", "--sparsity", "0.5", "--calibration", cal,
            "-o", tmp_path / "x.onnx", check=False)
    assert r.returncode != 0 and "--compensate" in r.stderr
    r = run("prune", src, "--criterion", "unstructured", "--sparsity", "0.5", "--compensate", "--calibration", cal,
            "-o", tmp_path / "x.onnx", check=False)
    assert r.returncode != 0 and "structured" in r.stderr
    r = run("prune", src, "--criterion", "structured", "--sparsity", "0.5", "--compensate",
            "-o", tmp_path / "x.onnx", check=False)
    assert r.returncode != 0 and "--calibration" in r.stderr
    assert not (tmp_path / "x.onnx").exists()
