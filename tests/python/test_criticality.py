"""Capacity (Shannon–Hartley criticality): SHC against an independent NumPy computation on
LeNet-300 (manual backprop), `prune --criterion capacity` output in onnxruntime, and errors."""
import json

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

from conftest import TESTDATA, run

TRAIN_X, TRAIN_Y = TESTDATA / "digits_train_x28.npy", TESTDATA / "digits_train_y.npy"


def numpy_shc(path, x, y):
    """SHC = |w| log2(1 + |mean input| / max(|dL/dw|, 1e-6 * mean|dL/dw|)) for the Gemm MLP."""
    m = onnx.load(str(path))
    w = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in m.graph.initializer}
    layers = [n for n in m.graph.node if n.op_type == "Gemm"]
    h = x.reshape(len(x), -1).astype(np.float64)
    inputs, pre = [], []
    for i, n in enumerate(layers):
        inputs.append(h)
        z = h @ w[n.input[1]].T + w[n.input[2]]
        pre.append(z)
        h = np.maximum(z, 0) if i < len(layers) - 1 else z
    p = np.exp(h - h.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    g = p.copy()
    g[np.arange(len(y)), y] -= 1
    g /= len(y)
    grads = [None] * len(layers)
    for i in reversed(range(len(layers))):
        grads[i] = g.T @ inputs[i]
        g = (g @ w[layers[i].input[1]]) * (pre[i - 1] > 0) if i > 0 else None
    floor = 1e-6 * np.mean(np.abs(np.concatenate([a.ravel() for a in grads])))
    out = {}
    for n, x_in, gr in zip(layers, inputs, grads):
        mean_in = np.abs(x_in.mean(0))[None, :]
        out[n.input[1].removesuffix(".weight")] = np.abs(w[n.input[1]]) * np.log2(1 + mean_in / np.maximum(np.abs(gr), floor))
    return out


def test_shc_matches_numpy_on_lenet300():
    x, y = np.load(TRAIN_X).astype(np.float32), np.load(TRAIN_Y)
    ref = numpy_shc(TESTDATA / "lenet300.onnx", x, y)
    r = json.loads(run("criticality", TESTDATA / "lenet300.onnx", "--data", TRAIN_X, "--labels", TRAIN_Y,
                       "--top", "25", "--no-reliability", "--json").stdout)
    assert r["samples"] == len(y) and r["weights"] == sum(a.size for a in ref.values())
    everything = np.sort(np.concatenate([a.ravel() for a in ref.values()]))[::-1]
    for k, item in enumerate(r["top"]):
        want = ref[item["layer"]][tuple(item["index"])]
        assert abs(item["shc"] - want) <= 1e-3 * want
        assert abs(item["shc"] - everything[k]) <= 1e-3 * everything[k]


def test_capacity_pruning_runs_in_onnxruntime(tmp_path):
    """LeNet-5 (shared conv weights) on the first 256 training samples (debug-build time)."""
    out, xs, ys = tmp_path / "p.onnx", tmp_path / "x.npy", tmp_path / "y.npy"
    np.save(xs, np.load(TRAIN_X)[:256])
    np.save(ys, np.load(TRAIN_Y)[:256])
    r = json.loads(run("prune", TESTDATA / "lenet5.onnx", "--criterion", "capacity", "--sparsity", "0.6",
                       "--data", xs, "--labels", ys, "-o", out, "--no-sizes", "--json").stdout)
    assert r["report"]["pruned"] == round(0.6 * r["report"]["weights"])
    onnx.checker.check_model(str(out), full_check=True)
    m = onnx.load(str(out))
    ws = [numpy_helper.to_array(t) for t in m.graph.initializer if t.name.endswith(".weight")]
    zeros = sum(int((a == 0).sum()) for a in ws)
    assert zeros >= r["report"]["pruned"]
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    xt, yt = np.load(TESTDATA / "digits_test_x28.npy"), np.load(TESTDATA / "digits_test_y.npy")
    top1 = float((sess.run(None, {sess.get_inputs()[0].name: xt})[0].argmax(1) == yt).mean())
    assert top1 > 0.5


def test_curve_files_and_errors(tmp_path):
    csv, svg = tmp_path / "c.csv", tmp_path / "c.svg"
    run("criticality", TESTDATA / "lenet300.onnx", "--data", TRAIN_X, "--labels", TRAIN_Y, "--top", "0",
        "--no-reliability", "--sparsities", "0.5,0.9", "--curve-csv", csv, "--curve-svg", svg)
    lines = csv.read_text().splitlines()
    assert lines[0] == "sparsity,shc_top1,global_magnitude_top1,layer_magnitude_top1" and len(lines) == 3
    assert svg.read_text().startswith("<svg")
    src, bad = TESTDATA / "lenet300.onnx", tmp_path / "x.onnx"
    r = run("prune", src, "--criterion", "capacity", "--sparsity", "0.5", "-o", bad, check=False)
    assert r.returncode != 0 and "--data" in r.stderr and len(r.stderr.strip().splitlines()) <= 3
    r = run("prune", src, "--criterion", "capacity", "--sparsity", "1", "--data", TRAIN_X, "--labels", TRAIN_Y, "-o", bad, check=False)
    assert r.returncode != 0 and "--sparsity" in r.stderr
    r = run("criticality", src, "--data", TRAIN_X, "--labels", TESTDATA / "digits_test_y.npy", check=False)
    assert r.returncode != 0 and "labels" in r.stderr
    assert not bad.exists()
