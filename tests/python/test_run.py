"""`nncodec run` against onnxruntime, and a short, fixed subset of ONNX's operator
conformance cases (the full run is scripts/onnx-conformance.sh)."""
import importlib.util
import json
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from conftest import ROOT, TESTDATA, nncodec_path, run

spec = importlib.util.spec_from_file_location("onnx_conformance", ROOT / "scripts" / "onnx_conformance.py")
conformance = importlib.util.module_from_spec(spec)
sys.modules["onnx_conformance"] = conformance
spec.loader.exec_module(conformance)

# One or two cases per operator family the engine gained for issue 13, plus exporter staples.
SUBSET = [
    "test_resize_downsample_scales_cubic", "test_resize_upsample_sizes_nearest_ceil_half_pixel",
    "test_resize_tf_crop_and_resize", "test_resize_downsample_sizes_linear_antialias",
    "test_gather_elements_negative_indices", "test_scatter_elements_with_reduction_max", "test_scatternd_add",
    "test_gathernd_example_int32_batch_dim1", "test_einsum_batch_matmul", "test_einsum_transpose",
    "test_top_k_negative_axis", "test_cumsum_2d_axis_1", "test_onehot_with_negative_axis", "test_tril_neg",
    "test_triu_one_row", "test_where_long_example", "test_expand_dim_changed", "test_range_int32_type_negative_delta",
    "test_constantofshape_int_zeros", "test_nonzero_example", "test_argmax_negative_axis_keepdims_example_select_last_index",
    "test_instancenorm_example", "test_group_normalization_example", "test_convtranspose_pads",
    "test_depthtospace_crd_mode_example", "test_spacetodepth_example", "test_quantizelinear_axis",
    "test_dequantizelinear_blocked", "test_quantizelinear_e4m3fn", "test_matmulinteger", "test_qlinearconv",
    "test_lstm_with_peepholes", "test_gru_seq_length", "test_simple_rnn_batchwise", "test_if", "test_loop11",
    "test_sce_mean_weight_ii_4d", "test_nllloss_NCd1d2_with_weight_reduction_mean", "test_lppool_2d_pads",
    "test_maxpool_3d_default", "test_cast_FLOAT_to_FLOAT8E5M2", "test_bitshift_left_uint8", "test_unique_sorted_with_axis",
    "test_basic_deform_conv_with_padding", "test_gridsample_bicubic", "test_roialign_aligned_true",
    "test_nonmaxsuppression_two_batches", "test_dft", "test_stft", "test_tfidfvectorizer_tf_batch_onlybigrams_skip5",
    "test_center_crop_pad_crop_and_pad", "test_col2im_pads", "test_affine_grid_3d", "test_reduce_max_bool_inputs",
    "test_scan_sum", "test_scan9_sum", "test_melweightmatrix", "test_convtranspose_3d",
]


def test_conformance_subset(tmp_path):
    results = conformance.run_all(nncodec_path(), set(SUBSET))
    assert len(results) == len(SUBSET), sorted(set(SUBSET) - {r[0] for r in results})
    bad = [(name, status, why) for name, status, _, why in results if status != "pass"]
    assert not bad, bad


def test_run_matches_onnxruntime_on_any_batch(tmp_path):
    model = TESTDATA / "lenet5.onnx"
    x = np.load(TESTDATA / "digits_test_x28.npy")[:3].astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "out.npz"
    r = json.loads(run("run", model, "--data", f"input={tmp_path / 'x.npy'}", "-o", out, "--json").stdout)
    got = np.load(out)
    want = ort.InferenceSession(str(model)).run(None, {"input": x})[0]
    assert r["outputs"][0]["shape"] == [3, 10]
    assert np.abs(got[r["outputs"][0]["name"]] - want).max() < 1e-4


def test_run_accepts_paddle_style_minus_one_dims_and_saves_integer_outputs(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [-1, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    k = helper.make_tensor_value_info("k", TensorProto.INT64, None)
    nodes = [helper.make_node("Relu", ["x"], ["y"]), helper.make_node("ArgMax", ["x"], ["k"], axis=1, keepdims=0)]
    m = helper.make_model(helper.make_graph(nodes, "g", [x], [y, k]), opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(m, tmp_path / "m.onnx")
    for batch in (1, 4):
        data = np.random.default_rng(batch).standard_normal((batch, 3)).astype(np.float32)
        np.save(tmp_path / "x.npy", data)
        out = tmp_path / f"o{batch}.npz"
        run("run", tmp_path / "m.onnx", "--data", tmp_path / "x.npy", "-o", out)
        got = np.load(out)
        assert np.array_equal(got["y"], np.maximum(data, 0))
        assert got["k"].dtype == np.int64 and np.array_equal(got["k"], data.argmax(axis=1))


def test_run_errors_are_one_line_and_leave_no_output(tmp_path):
    model = TESTDATA / "lenet5.onnx"
    out = tmp_path / "o.npz"
    r = run("run", model, "--data", f"nope={tmp_path / 'missing.npy'}", "-o", out, check=False)
    assert r.returncode != 0 and "has no input 'nope'" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    np.save(tmp_path / "bad.npy", np.zeros((2, 5), np.float32))
    r = run("run", model, "--data", tmp_path / "bad.npy", "-o", out, check=False)
    assert r.returncode != 0 and "shape" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not out.exists()
    r = run("run", model, "--data", tmp_path / "bad.npy", "-o", model, check=False)
    assert r.returncode != 0 and "refusing to overwrite the input" in r.stderr
