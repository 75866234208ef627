"""Flip-frequency pruning of a binary network (`prune --method flip-frequency`): the shrunk
model passes onnx.checker, onnxruntime agrees with nncodec's engine on it, its channel counts
are the ones reported; bad input gives one-line errors and no output."""
import json

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

from conftest import TESTDATA, run

TRAIN_X, TRAIN_Y = TESTDATA / "digits_train_x28.npy", TESTDATA / "digits_train_y.npy"
TEST_X, TEST_Y = TESTDATA / "digits_test_x28.npy", TESTDATA / "digits_test_y.npy"


def test_one_round_is_valid_and_matches_onnxruntime(tmp_path):
    xs, ys, out = tmp_path / "x.npy", tmp_path / "y.npy", tmp_path / "ff.onnx"
    np.save(xs, np.load(TRAIN_X)[:160])
    np.save(ys, np.load(TRAIN_Y)[:160])
    # A large rate and threshold 1 make some weights flip; Δacc 0.99 keeps the round.
    r = json.loads(run("prune", TESTDATA / "bnn_nin.onnx", "--method", "flip-frequency", "--data", xs, "--labels", ys,
                       "--interval-epochs", "1", "--retrain-epochs", "1", "--max-rounds", "1", "--flip-threshold", "1",
                       "--lr", "0.05", "--batch", "32", "--delta-acc", "0.99", "-o", out, "--json").stdout)
    rounds = r["result"]["rounds"]
    assert len(rounds) == 2 and rounds[1]["accepted"]
    assert sum(rounds[1]["removed"]) > 0
    onnx.checker.check_model(str(out), full_check=True)
    m = onnx.load(str(out))
    w = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    assert [w[n].shape[0] for n in ("cccp1.weight", "conv2.weight", "cccp2.weight", "conv3.weight")] == rounds[1]["channels"]
    assert w["cccp3.weight"].shape[1] == rounds[1]["channels"][3]
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    xt, yt = np.load(TEST_X), np.load(TEST_Y)
    ort_top1 = float((sess.run(None, {sess.get_inputs()[0].name: xt})[0].argmax(1) == yt).mean())
    ours = json.loads(run("eval", out, "--data", TEST_X, "--labels", TEST_Y, "--json").stdout)
    assert abs(ours["top1"] - ort_top1) <= 1 / len(yt)


def test_model_without_sign_weights_and_missing_labels(tmp_path):
    out = tmp_path / "o.onnx"
    r = run("prune", TESTDATA / "lenet5.onnx", "--method", "flip-frequency", "--data", TRAIN_X, "--labels", TRAIN_Y,
            "-o", out, check=False)
    assert r.returncode != 0 and not out.exists()
    assert "lenet5.onnx" in r.stderr and "Sign" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run("prune", TESTDATA / "bnn_nin.onnx", "--method", "flip-frequency", "--data", TRAIN_X, "-o", out, check=False)
    assert r.returncode != 0 and not out.exists() and "--labels" in r.stderr
