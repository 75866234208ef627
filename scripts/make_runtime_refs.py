#!/usr/bin/env python3
"""Builds one small ONNX model per operator/attribute case, runs onnxruntime on seeded
random inputs and saves model + inputs + expected outputs for the Swift Runtime tests.

Output (committed): testdata/ops/<case>.onnx, testdata/ops/<case>.npz (keys "in.<name>",
"out.<name>"), testdata/ops/manifest.json ({case: {"tol": t, "exact": bool}}).
A case passes when max|got - expected| <= tol * max(1, max|expected|), or equality for
exact cases (shape/index ops, integer and bool outputs).
"""
import json, os, sys
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper
import onnxruntime as ort

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "ops")
rng = np.random.default_rng(1234)
manifest = {}

NP2ONNX = {np.float32: TensorProto.FLOAT, np.int64: TensorProto.INT64, np.bool_: TensorProto.BOOL}


def f32(*shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def case(name, op, inputs, attrs=None, opset=17, n_out=1, tol=1e-6, exact=False, extra_nodes=None):
    """inputs: list of (name, array, is_initializer) or None for an omitted optional input."""
    attrs = attrs or {}
    g_inputs, inits, feeds, names = [], [], {}, []
    for item in inputs:
        if item is None:
            names.append("")
            continue
        n, a, is_init = item
        names.append(n)
        if is_init:
            inits.append(numpy_helper.from_array(a, n))
        else:
            g_inputs.append(helper.make_tensor_value_info(n, NP2ONNX[a.dtype.type], list(a.shape)))
            feeds[n] = a
    outs = [f"y{i}" for i in range(n_out)]
    nodes = [helper.make_node(op, names, outs, name=f"{name}_node", **attrs)]
    g_outputs = [helper.make_empty_tensor_value_info(o) for o in outs]
    graph = helper.make_graph(nodes, name, g_inputs, g_outputs, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8 if opset <= 17 else 9
    save(name, model, feeds, tol, exact)


def save(name, model, feeds, tol, exact):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    res = sess.run(None, feeds)
    arrays = {f"in.{k}": v for k, v in feeds.items()}
    for o, v in zip(sess.get_outputs(), res):
        arrays[f"out.{o.name}"] = np.asarray(v)
        if v.dtype != np.float32:
            exact = exact or v.dtype in (np.int64, np.bool_)
    onnx.save(model, os.path.join(OUT, f"{name}.onnx"))
    np.savez(os.path.join(OUT, f"{name}.npz"), **arrays)
    manifest[name] = {"tol": tol, "exact": exact}


def i64(*v):
    return np.array(v, dtype=np.int64)


def make_data_files():
    """Small .npy/.npz/.pb files (good and broken) for the data-file reader tests."""
    d = os.path.join(OUT, "..", "datafiles")
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    base = np.arange(12, dtype=np.float64).reshape(3, 4) - 5.5
    np.save(os.path.join(d, "f4.npy"), base.astype(np.float32))
    np.save(os.path.join(d, "f8.npy"), base)
    np.save(os.path.join(d, "f2.npy"), base.astype(np.float16))
    np.save(os.path.join(d, "u1.npy"), np.arange(250, 256, dtype=np.uint8))
    np.save(os.path.join(d, "i8.npy"), np.array([-(1 << 40), -1, 0, 7], np.int64))
    np.save(os.path.join(d, "i4.npy"), np.array([[-3, 4]], np.int32))
    np.save(os.path.join(d, "b1.npy"), np.array([True, False, True]))
    np.save(os.path.join(d, "scalar.npy"), np.float32(2.5))
    np.save(os.path.join(d, "empty.npy"), np.zeros((0, 3), np.float32))
    np.save(os.path.join(d, "fortran.npy"), np.asfortranarray(base.astype(np.float32)))
    np.save(os.path.join(d, "object.npy"), np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    np.save(os.path.join(d, "bigendian.npy"), base.astype(">f4"))
    with open(os.path.join(d, "f4.npy"), "rb") as f:
        good = f.read()
    with open(os.path.join(d, "truncated.npy"), "wb") as f:
        f.write(good[:-5])
    with open(os.path.join(d, "trailing.npy"), "wb") as f:
        f.write(good + b"\0\0\0\0")
    with open(os.path.join(d, "notnpy.npy"), "wb") as f:
        f.write(b"hello world, not numpy")
    np.savez(os.path.join(d, "stored.npz"), x=base.astype(np.float32), labels=np.array([1, 2, 3], np.int64))
    big = (np.arange(5000, dtype=np.float32) % 17).reshape(50, 100)
    np.savez_compressed(os.path.join(d, "compressed.npz"), x=big, y=np.arange(10, dtype=np.int32))
    with open(os.path.join(d, "compressed.npz"), "rb") as f:
        z = f.read()
    with open(os.path.join(d, "truncated.npz"), "wb") as f:
        f.write(z[: len(z) // 2])
    corrupt = bytearray(z)
    corrupt[60] ^= 0xFF
    with open(os.path.join(d, "corrupt.npz"), "wb") as f:
        f.write(bytes(corrupt))
    t = numpy_helper.from_array(base.astype(np.float32), "t")
    with open(os.path.join(d, "tensor_f4.pb"), "wb") as f:
        f.write(t.SerializeToString())
    t = numpy_helper.from_array(np.array([5, -6], np.int64), "ids")
    with open(os.path.join(d, "tensor_i8.pb"), "wb") as f:
        f.write(t.SerializeToString())


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    CT = 1e-5  # Conv/Gemm/MatMul: relative to the largest expected magnitude

    # --- Conv
    x = f32(2, 3, 9, 8)
    case("conv_basic", "Conv", [("x", x, False), ("w", f32(4, 3, 3, 3), True), ("b", f32(4), True)], {"pads": [1, 1, 1, 1]}, tol=CT)
    case("conv_stride_dil_asym", "Conv", [("x", x, False), ("w", f32(5, 3, 3, 2), True), ("b", f32(5), True)],
         {"strides": [2, 1], "dilations": [2, 1], "pads": [1, 0, 2, 1]}, tol=CT)
    case("conv_group2", "Conv", [("x", f32(2, 4, 7, 7), False), ("w", f32(6, 2, 3, 3), True)], {"group": 2, "pads": [1, 1, 1, 1], "strides": [2, 2]}, tol=CT)
    case("conv_depthwise", "Conv", [("x", f32(2, 4, 7, 6), False), ("w", f32(4, 1, 3, 3), True), ("b", f32(4), True)],
         {"group": 4, "pads": [1, 1, 1, 1], "strides": [2, 1]}, tol=CT)
    case("conv_same_upper", "Conv", [("x", x, False), ("w", f32(4, 3, 4, 4), True)], {"auto_pad": "SAME_UPPER", "strides": [2, 2]}, tol=CT)
    case("conv_same_lower", "Conv", [("x", x, False), ("w", f32(4, 3, 4, 3), True)], {"auto_pad": "SAME_LOWER", "strides": [2, 3]}, tol=CT)
    case("conv_valid", "Conv", [("x", x, False), ("w", f32(4, 3, 5, 5), True), ("b", f32(4), True)], {"auto_pad": "VALID"}, tol=CT)
    case("conv_1x1", "Conv", [("x", x, False), ("w", f32(6, 3, 1, 1), True), ("b", f32(6), True)], {}, tol=CT)
    case("conv_1d", "Conv", [("x", f32(2, 3, 11), False), ("w", f32(4, 3, 3), True), ("b", f32(4), True)], {"pads": [2, 1], "strides": [2]}, tol=CT)
    # --- ConvTranspose
    case("convtranspose_basic", "ConvTranspose", [("x", f32(2, 3, 5, 4), False), ("w", f32(3, 4, 3, 3), True), ("b", f32(4), True)],
         {"strides": [2, 2]}, tol=CT)
    case("convtranspose_pads_outpad", "ConvTranspose", [("x", f32(1, 2, 4, 5), False), ("w", f32(2, 3, 3, 3), True)],
         {"strides": [2, 2], "pads": [1, 1, 1, 0], "output_padding": [1, 1]}, tol=CT)
    case("convtranspose_group_dil", "ConvTranspose", [("x", f32(2, 4, 4, 4), False), ("w", f32(4, 2, 2, 3), True), ("b", f32(4), True)],
         {"group": 2, "dilations": [2, 1], "strides": [1, 2]}, tol=CT)
    case("convtranspose_output_shape", "ConvTranspose", [("x", f32(1, 2, 4, 4), False), ("w", f32(2, 3, 3, 3), True)],
         {"strides": [2, 2], "output_shape": [9, 10]}, tol=CT)
    case("convtranspose_output_shape_pad", "ConvTranspose", [("x", f32(1, 2, 4, 4), False), ("w", f32(2, 3, 3, 3), True)],
         {"strides": [2, 2], "output_shape": [8, 7]}, tol=CT)
    case("convtranspose_same_upper", "ConvTranspose", [("x", f32(1, 2, 4, 5), False), ("w", f32(2, 3, 4, 3), True)],
         {"strides": [2, 2], "auto_pad": "SAME_UPPER"}, tol=CT)
    case("convtranspose_same_lower", "ConvTranspose", [("x", f32(1, 2, 4, 5), False), ("w", f32(2, 3, 4, 3), True)],
         {"strides": [2, 2], "auto_pad": "SAME_LOWER"}, tol=CT)
    case("convtranspose_1d", "ConvTranspose", [("x", f32(2, 3, 6), False), ("w", f32(3, 2, 4), True)], {"strides": [3], "pads": [1, 2]}, tol=CT)
    # --- Gemm / MatMul
    case("gemm_basic", "Gemm", [("a", f32(5, 7), False), ("b", f32(7, 3), True), ("c", f32(3), True)], {}, tol=CT)
    case("gemm_trans_alpha_beta", "Gemm", [("a", f32(7, 5), False), ("b", f32(3, 7), True), ("c", f32(5, 3), True)],
         {"transA": 1, "transB": 1, "alpha": 0.7, "beta": 1.3}, tol=CT)
    case("gemm_scalar_c", "Gemm", [("a", f32(4, 6), False), ("b", f32(6, 2), False), ("c", f32(1), True)], {"beta": 0.5}, tol=CT)
    case("gemm_no_c", "Gemm", [("a", f32(4, 6), False), ("b", f32(2, 6), True)], {"transB": 1}, tol=CT)
    case("matmul_2d", "MatMul", [("a", f32(5, 7), False), ("b", f32(7, 3), True)], tol=CT)
    case("matmul_3d_2d", "MatMul", [("a", f32(2, 5, 7), False), ("b", f32(7, 3), True)], tol=CT)
    case("matmul_broadcast", "MatMul", [("a", f32(2, 1, 3, 4), False), ("b", f32(1, 3, 4, 5), False)], tol=CT)
    case("matmul_1d_2d", "MatMul", [("a", f32(4), False), ("b", f32(3, 4, 5), False)], tol=CT)
    case("matmul_2d_1d", "MatMul", [("a", f32(2, 3, 4), False), ("b", f32(4), False)], tol=CT)
    # --- elementwise binary
    case("add_broadcast", "Add", [("a", f32(2, 3, 4), False), ("b", f32(4), False)])
    case("sub_broadcast", "Sub", [("a", f32(2, 1, 4), False), ("b", f32(3, 1), False)])
    case("mul_broadcast", "Mul", [("a", f32(2, 3, 1, 5), False), ("b", f32(3, 4, 1), True)])
    case("div", "Div", [("a", f32(3, 4), False), ("b", f32(3, 4, lo=0.5, hi=2), False)])
    case("pow_tensor", "Pow", [("a", f32(3, 4, lo=0.1, hi=2), False), ("b", f32(3, 4), False)], tol=1e-5)
    case("pow_square", "Pow", [("a", f32(3, 4), False), ("b", np.array(2, dtype=np.float32), True)])
    case("add_int64", "Add", [("a", i64(1, 2, 3), False), ("b", i64(10), True)])
    case("mul_int64", "Mul", [("a", rng.integers(-5, 5, (2, 3)).astype(np.int64), False), ("b", i64(3, -2, 7), True)])
    # --- unary
    for op, lo, hi in [("Sqrt", 0.01, 4), ("Exp", -3, 3), ("Log", 0.01, 4), ("Erf", -2, 2), ("Tanh", -3, 3), ("Neg", -1, 1),
                       ("Abs", -1, 1), ("Reciprocal", 0.5, 3), ("Relu", -1, 1), ("Sigmoid", -6, 6), ("HardSwish", -5, 5)]:
        case(op.lower(), op, [("x", f32(2, 3, 5, lo=lo, hi=hi), False)], tol=1e-6)
    case("leakyrelu", "LeakyRelu", [("x", f32(2, 10), False)], {"alpha": 0.2})
    case("clip_inputs", "Clip", [("x", f32(2, 10), False), ("lo", np.array(-0.3, np.float32), True), ("hi", np.array(0.5, np.float32), True)])
    case("clip_max_only", "Clip", [("x", f32(2, 10), False), None, ("hi", np.array(0.2, np.float32), True)])
    case("hardsigmoid", "HardSigmoid", [("x", f32(3, 8, lo=-5, hi=5), False)], {"alpha": 0.3, "beta": 0.4})
    case("gelu", "Gelu", [("x", f32(3, 8, lo=-4, hi=4), False)], opset=20)
    case("gelu_tanh", "Gelu", [("x", f32(3, 8, lo=-4, hi=4), False)], {"approximate": "tanh"}, opset=20)
    case("softmax", "Softmax", [("x", f32(2, 3, 6, lo=-5, hi=5), False)])
    case("softmax_axis1", "Softmax", [("x", f32(2, 3, 6, lo=-5, hi=5), False)], {"axis": 1})
    case("logsoftmax", "LogSoftmax", [("x", f32(4, 10, lo=-5, hi=5), False)], tol=1e-6)
    # --- pooling
    x = f32(2, 3, 9, 10)
    case("maxpool_2x2", "MaxPool", [("x", x, False)], {"kernel_shape": [2, 2], "strides": [2, 2]})
    case("maxpool_3x3_pad", "MaxPool", [("x", x, False)], {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]})
    case("maxpool_ceil", "MaxPool", [("x", x, False)], {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1})
    case("maxpool_dilation", "MaxPool", [("x", x, False)], {"kernel_shape": [2, 3], "dilations": [2, 2], "pads": [0, 1, 1, 0]})
    case("maxpool_same_upper", "MaxPool", [("x", x, False)], {"kernel_shape": [3, 2], "strides": [2, 3], "auto_pad": "SAME_UPPER"})
    case("maxpool_1d", "MaxPool", [("x", f32(2, 3, 11), False)], {"kernel_shape": [3], "strides": [2]})
    case("avgpool_exclude_pad", "AveragePool", [("x", x, False)], {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]})
    case("avgpool_include_pad", "AveragePool", [("x", x, False)], {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1], "count_include_pad": 1})
    case("avgpool_ceil", "AveragePool", [("x", x, False)], {"kernel_shape": [2, 2], "strides": [2, 2], "ceil_mode": 1})
    case("avgpool_ceil_include_pad", "AveragePool", [("x", x, False)],
         {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1], "ceil_mode": 1, "count_include_pad": 1})
    case("globalavgpool", "GlobalAveragePool", [("x", x, False)])
    # --- reductions
    x = f32(2, 3, 4, 5)
    case("reducemean_attr", "ReduceMean", [("x", x, False)], {"axes": [2, 3]})
    case("reducemean_nokeep", "ReduceMean", [("x", x, False)], {"axes": [1], "keepdims": 0})
    case("reducemean_input18", "ReduceMean", [("x", x, False), ("axes", i64(-1), True)], opset=18)
    case("reducemean_all18", "ReduceMean", [("x", x, False)], {"keepdims": 0}, opset=18)
    case("reducesum_input", "ReduceSum", [("x", x, False), ("axes", i64(0, 2), True)], tol=1e-6)
    case("reducesum_noop", "ReduceSum", [("x", x, False)], {"noop_with_empty_axes": 1})
    case("reducemax_attr", "ReduceMax", [("x", x, False)], {"axes": [1, 3], "keepdims": 0})
    case("reducemax_input18", "ReduceMax", [("x", x, False), ("axes", i64(1), True)], opset=18)
    # --- normalization
    case("batchnorm", "BatchNormalization", [("x", f32(2, 3, 4, 5), False), ("s", f32(3), True), ("b", f32(3), True),
                                             ("m", f32(3), True), ("v", f32(3, lo=0.5, hi=2), True)], {"epsilon": 1e-3})
    case("layernorm", "LayerNormalization", [("x", f32(2, 5, 8), False), ("s", f32(8), True), ("b", f32(8), True)], tol=1e-5)
    case("layernorm_axis1_nobias", "LayerNormalization", [("x", f32(2, 3, 4), False), ("s", f32(3, 4), True)], {"axis": 1, "epsilon": 1e-3}, tol=1e-5)
    # --- shape and data movement
    x = f32(2, 3, 4, 5)
    case("flatten0", "Flatten", [("x", x, False)], {"axis": 0})
    case("flatten2", "Flatten", [("x", x, False)], {"axis": -2})
    case("reshape", "Reshape", [("x", x, False), ("s", i64(0, -1, 10), True)], exact=True)
    case("transpose", "Transpose", [("x", x, False)], {"perm": [0, 2, 3, 1]}, exact=True)
    case("transpose_default", "Transpose", [("x", f32(3, 4), False)], exact=True)
    case("squeeze", "Squeeze", [("x", f32(2, 1, 3, 1), False), ("a", i64(1, -1), True)], exact=True)
    case("squeeze_all", "Squeeze", [("x", f32(1, 3, 1), False)], exact=True)
    case("unsqueeze", "Unsqueeze", [("x", f32(2, 3), False), ("a", i64(0, -1), True)], exact=True)
    case("concat", "Concat", [("a", f32(2, 3, 4), False), ("b", f32(2, 1, 4), False), ("c", f32(2, 2, 4), True)], {"axis": 1}, exact=True)
    case("concat_last", "Concat", [("a", f32(2, 3), False), ("b", f32(2, 2), False)], {"axis": -1}, exact=True)
    case("concat_int64", "Concat", [("a", i64(1, 2), False), ("b", i64(3), True)], {"axis": 0})
    case("split_equal", "Split", [("x", f32(6, 4), False)], {"axis": 0}, n_out=3, exact=True)
    case("split_sizes", "Split", [("x", f32(2, 7), False), ("s", i64(2, 4, 1), True)], {"axis": 1}, n_out=3, exact=True)
    case("split_num_outputs", "Split", [("x", f32(2, 7), False)], {"axis": 1, "num_outputs": 3}, n_out=3, opset=18, exact=True)
    case("slice_basic", "Slice", [("x", x, False), ("st", i64(1, 0), True), ("en", i64(3, -1), True), ("ax", i64(2, 3), True)], exact=True)
    case("slice_steps", "Slice", [("x", x, False), ("st", i64(0, 4), True), ("en", i64(9223372036854775807, -9223372036854775807), True),
                                  ("ax", i64(1, 3), True), ("sp", i64(2, -2), True)], exact=True)
    case("slice_neg_axes", "Slice", [("x", x, False), ("st", i64(-3), True), ("en", i64(100), True), ("ax", i64(-2), True)], exact=True)
    case("slice_empty", "Slice", [("x", x, False), ("st", i64(3), True), ("en", i64(1), True), ("ax", i64(1), True)], exact=True)
    case("gather_axis0", "Gather", [("x", f32(5, 3), False), ("i", i64(4, -1, 0, 2), True)], exact=True)
    case("gather_axis1_2d", "Gather", [("x", f32(2, 5, 3), False), ("i", np.array([[0, 4], [-2, 1]], np.int64), True)], {"axis": 1}, exact=True)
    case("gather_scalar", "Gather", [("x", f32(5, 3), False), ("i", np.array(3, np.int64), True)], exact=True)
    case("shape", "Shape", [("x", x, False)])
    case("shape_start_end", "Shape", [("x", x, False)], {"start": 1, "end": -1})
    case("constant", "Constant", [], {"value": numpy_helper.from_array(f32(2, 3), "v")}, exact=True)
    case("constant_ints", "Constant", [], {"value_ints": [3, 1, 4]})
    case("constantofshape", "ConstantOfShape", [("s", i64(2, 3), False)], {"value": numpy_helper.from_array(np.array([1.5], np.float32))}, exact=True)
    case("constantofshape_int", "ConstantOfShape", [("s", i64(3), False)], {"value": numpy_helper.from_array(np.array([7], np.int64))})
    case("cast_f2i", "Cast", [("x", f32(3, 4, lo=-5, hi=5), False)], {"to": TensorProto.INT64})
    case("cast_i2f", "Cast", [("x", i64(-3, 0, 5, 1 << 20), False)], {"to": TensorProto.FLOAT}, exact=True)
    case("cast_f2b", "Cast", [("x", np.array([0, 1.5, -0.0, 2], np.float32), False)], {"to": TensorProto.BOOL})
    case("cast_f2f16", "Cast", [("x", f32(3, 4, lo=-100, hi=100), False)], {"to": TensorProto.FLOAT16}, exact=True)
    case("identity", "Identity", [("x", x, False)], exact=True)
    case("dropout", "Dropout", [("x", x, False)], exact=True)
    case("expand", "Expand", [("x", f32(3, 1), False), ("s", i64(2, 1, 4), True)], exact=True)
    case("where", "Where", [("c", rng.random((3, 1)) > 0.5, False), ("a", f32(3, 4), False), ("b", f32(4), False)], exact=True)
    case("equal", "Equal", [("a", rng.integers(0, 3, (3, 4)).astype(np.int64), False), ("b", i64(0, 1, 2, 1), False)])
    case("equal_float", "Equal", [("a", np.array([1, 2, 3], np.float32), False), ("b", np.array([1, 0, 3], np.float32), False)])
    case("less", "Less", [("a", f32(3, 4), False), ("b", f32(4), False)])
    case("greater", "Greater", [("a", f32(3, 4), False), ("b", f32(3, 1), False)])
    case("range_int", "Range", [("s", np.array(2, np.int64), False), ("l", np.array(17, np.int64), False), ("d", np.array(4, np.int64), False)])
    case("range_float", "Range", [("s", np.array(1.0, np.float32), False), ("l", np.array(-2.0, np.float32), False), ("d", np.array(-0.5, np.float32), False)], exact=True)
    p = f32(2, 3, 4)
    case("pad_constant", "Pad", [("x", p, False), ("p", i64(0, 1, 2, 1, 0, 1), True), ("v", np.array(0.5, np.float32), True)], exact=True)
    case("pad_reflect", "Pad", [("x", p, False), ("p", i64(0, 2, 1, 0, 1, 3), True)], {"mode": "reflect"}, exact=True)
    case("pad_edge", "Pad", [("x", p, False), ("p", i64(1, 0, 2, 0, 2, 1), True)], {"mode": "edge"}, exact=True)
    case("pad_wrap", "Pad", [("x", p, False), ("p", i64(0, 1, 2, 0, 2, 1), True)], {"mode": "wrap"}, opset=19, exact=True)
    case("pad_axes_negative", "Pad", [("x", p, False), ("p", i64(1, -1, 2, -1), True), None, ("a", i64(1, 2), True)], opset=18, exact=True)

    # --- small graphs: shape arithmetic feeding Reshape, and a conv block
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
        helper.make_node("Unsqueeze", ["n", "zero1"], ["n1"]),
        helper.make_node("Concat", ["n1", "minus1"], ["shp"], axis=0),
        helper.make_node("Reshape", ["x", "shp"], ["flat"]),
        helper.make_node("Gemm", ["flat", "w", "b"], ["y"], transB=1),
        helper.make_node("Relu", ["y"], ["out"]),
    ]
    graph = helper.make_graph(nodes, "shape_chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2, 3, 4])],
                              [helper.make_empty_tensor_value_info("out")],
                              initializer=[numpy_helper.from_array(np.array(0, np.int64), "zero"),
                                           numpy_helper.from_array(i64(0), "zero1"),
                                           numpy_helper.from_array(i64(-1), "minus1"),
                                           numpy_helper.from_array(f32(5, 24), "w"), numpy_helper.from_array(f32(5), "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    save("graph_shape_chain", model, {"x": f32(3, 2, 3, 4)}, CT, False)

    # --- sizes large enough for the OpenBLAS path (small products use a plain loop)
    case("gemm_large", "Gemm", [("a", f32(64, 100), False), ("b", f32(50, 100), True), ("c", f32(50), True)], {"transB": 1}, tol=CT)
    case("matmul_large_batched", "MatMul", [("a", f32(3, 40, 48), False), ("b", f32(3, 48, 36), False)], tol=CT)
    case("conv_large", "Conv", [("x", f32(3, 8, 20, 20), False), ("w", f32(16, 8, 3, 3), True), ("b", f32(16), True)],
         {"pads": [1, 1, 1, 1]}, tol=CT)
    case("conv_large_group_pointwise", "Conv", [("x", f32(3, 32, 16, 16), False), ("w", f32(32, 16, 1, 1), True)], {"group": 2}, tol=CT)
    case("convtranspose_large", "ConvTranspose", [("x", f32(2, 16, 10, 10), False), ("w", f32(16, 8, 4, 4), True)],
         {"strides": [2, 2], "pads": [1, 1, 1, 1]}, tol=CT)

    make_data_files()
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{len(manifest)} cases, {total / 1024:.0f} KiB in {OUT}")


if __name__ == "__main__":
    main()
