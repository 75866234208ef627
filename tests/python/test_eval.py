"""`nncodec eval`: fidelity between models, and clear one-line errors for bad data files."""
import json

import numpy as np

from conftest import TESTDATA, run

X = TESTDATA / "digits_test_x28.npy"
Y = TESTDATA / "digits_test_y.npy"


def one_line_error(r, *needles):
    assert r.returncode != 0
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, r.stderr
    for n in needles:
        assert str(n) in lines[0], (n, lines[0])


def test_fidelity_of_a_model_with_itself_is_perfect():
    r = json.loads(run("eval", TESTDATA / "lenet5.onnx", "--data", X, "--reference", TESTDATA / "lenet5.onnx", "--json").stdout)
    assert r["maxAbsDiff"] == 0 and r["meanCosineSimilarity"] > 0.999999 and r["top1Agreement"] == 1


def test_bad_data_files(tmp_path):
    m = TESTDATA / "lenet5.onnx"
    trunc = tmp_path / "trunc.npy"
    trunc.write_bytes(X.read_bytes()[:1000])
    one_line_error(run("eval", m, "--data", trunc, "--labels", Y, check=False), trunc, "truncated")
    wrong = tmp_path / "wrong_shape.npy"
    np.save(wrong, np.zeros((450, 1, 14, 14), np.float32))
    one_line_error(run("eval", m, "--data", wrong, "--labels", Y, check=False), m)
    short = tmp_path / "short_labels.npy"
    np.save(short, np.zeros(7, np.int64))
    one_line_error(run("eval", m, "--data", X, "--labels", short, check=False), short, "7 labels")
    flabels = tmp_path / "float_labels.npy"
    np.save(flabels, np.zeros(450, np.float32))
    one_line_error(run("eval", m, "--data", X, "--labels", flabels, check=False), flabels, "integers")
    fortran = tmp_path / "fortran.npy"
    np.save(fortran, np.asfortranarray(np.zeros((450, 1, 28, 28), np.float32)))
    one_line_error(run("eval", m, "--data", fortran, "--labels", Y, check=False), fortran, "Fortran")
    pickled = tmp_path / "objects.npy"
    np.save(pickled, np.array([{"a": 1}] * 3, dtype=object), allow_pickle=True)
    one_line_error(run("eval", m, "--data", pickled, "--labels", Y, check=False), pickled)
    one_line_error(run("eval", m, "--data", tmp_path / "none.npy", "--labels", Y, check=False), "none.npy")


def test_unsupported_operator_is_named(tmp_path):
    import onnx
    from onnx import helper, TensorProto
    # ImageDecoder stays unimplemented (docs/conformance.md); Det, used here before, now runs.
    g = helper.make_graph([helper.make_node("ImageDecoder", ["x"], ["y"], name="the_decoder")], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 3])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    p = tmp_path / "det.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), str(p))
    x = tmp_path / "x.npy"
    np.save(x, np.zeros((2, 3, 3), np.float32))
    r = run("eval", p, "--data", x, "--reference", p, check=False)
    one_line_error(r, "ImageDecoder", "the_decoder")
