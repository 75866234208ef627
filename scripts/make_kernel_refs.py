#!/usr/bin/env python3
"""References for the Runtime's convolution kernels and fused chains: depthwise, grouped
and strided convolutions over strides, paddings, dilations and channel multipliers, and
Conv → [BatchNormalization] → [Add] → activation chains (Relu, Clip, Sigmoid, SiLU,
HardSigmoid, HardSwish, LeakyRelu), squeeze-excitation and BatchNormalization → Relu, each
run by onnxruntime on seeded random inputs.

Output (committed): testdata/kernels/<case>.onnx, .npz (keys "in.<name>", "out.<name>"),
manifest.json ({case: {"tol": t, "exact": false}}), the format of testdata/ops.
A case passes when max|got - expected| <= tol * max(1, max|expected|).
  /opt/nnc-ref/bin/python scripts/make_kernel_refs.py
"""
import json, os
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper
import onnxruntime as ort

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "kernels")
rng = np.random.default_rng(4321)
manifest = {}
TOL = 1e-5


def f32(*shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


class G:
    """A small graph under construction: one float input x, nodes, initializers."""

    def __init__(self, x):
        self.x, self.nodes, self.inits, self.n = x, [], [], 0

    def init(self, a):
        self.n += 1
        name = f"p{self.n}"
        self.inits.append(numpy_helper.from_array(np.asarray(a), name))
        return name

    def op(self, op, inputs, **attrs):
        self.n += 1
        out = f"t{self.n}"
        self.nodes.append(helper.make_node(op, inputs, [out], name=f"n{self.n}", **attrs))
        return out

    def conv(self, x, cin, cout, k, group=1, bias=True, **attrs):
        kk = k if isinstance(k, (list, tuple)) else (k, k)
        w = self.init(f32(cout, cin // group, *kk) * (1.5 / np.sqrt(cin // group * np.prod(kk))))
        ins = [x, w] + ([self.init(f32(cout))] if bias else [])
        return self.op("Conv", ins, group=group, **attrs)

    def bn(self, x, c):
        return self.op("BatchNormalization", [x, self.init(1 + 0.2 * f32(c)), self.init(0.2 * f32(c)),
                                              self.init(0.1 * f32(c)), self.init(1 + 0.3 * rng.random(c).astype(np.float32))])

    def silu(self, x):
        return self.op("Mul", [x, self.op("Sigmoid", [x])])

    def save(self, name, y, opset=17, tol=TOL):
        g = helper.make_graph(self.nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(self.x.shape))],
                              [helper.make_tensor_value_info(y, TensorProto.FLOAT, None)], initializer=self.inits)
        model = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = 8
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        so.intra_op_num_threads = 1
        res = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"]).run(None, {"x": self.x})
        onnx.save(model, os.path.join(OUT, f"{name}.onnx"))
        np.savez(os.path.join(OUT, f"{name}.npz"), **{"in.x": self.x, f"out.{y}": res[0]})
        manifest[name] = {"tol": tol, "exact": False}


def conv_case(name, xshape, cout, k, group=1, **attrs):
    g = G(f32(*xshape))
    g.save(name, g.conv("x", xshape[1], cout, k, group=group, **attrs))


def chain_case(name, xshape, cout, k, tail, group=1, bn=True, opset=17, **attrs):
    """Conv (+ BN) followed by `tail(g, y)`."""
    g = G(f32(*xshape))
    y = g.conv("x", xshape[1], cout, k, group=group, **attrs)
    if bn:
        y = g.bn(y, cout)
    g.save(name, tail(g, y), opset=opset)


def prologue_cases():
    """Pre-activation with a Concat in front (DenseNet's layers): Concat → BN → Relu → Conv,
    applied while the 1×1 kernel packs its input (k across two blocks of ≤ 256 rows, a
    128-column block plus a tail, 26 output rows), on a 7×7 map and before a 3×3 (the input
    built first), and after a fused Conv → BN → Relu (no prologue then). Their own seed, so
    the other cases keep their data."""
    global rng
    saved, rng = rng, np.random.default_rng(1717)
    g = G(f32(2, 260, 14, 15))
    parts = ["x", g.conv("x", 260, 8, 3, pads=[1] * 4), g.conv("x", 260, 12, 1)]
    y = g.conv(g.op("Relu", [g.bn(g.op("Concat", parts, axis=1), 280)]), 280, 26, 1, kernel_shape=[1, 1])
    g.save("pre_concat_pointwise", y)
    g = G(f32(3, 40, 16, 12))
    parts = ["x", g.conv("x", 40, 32, 1), g.conv("x", 40, 32, 3, pads=[1] * 4)]
    y = g.conv(g.op("Relu", [g.bn(g.op("Concat", parts, axis=1), 104)]), 104, 20, 1, kernel_shape=[1, 1])
    g.save("pre_concat_pointwise_relu", g.op("Relu", [y]))
    g = G(f32(2, 24, 7, 7))
    parts = ["x", g.conv("x", 24, 8, 3, pads=[1] * 4)]
    g.save("pre_concat_small_map", g.conv(g.op("Relu", [g.bn(g.op("Concat", parts, axis=1), 32)]), 32, 16, 1))
    g = G(f32(2, 16, 12, 12))
    parts = [g.conv("x", 16, 8, 1), "x"]
    g.save("pre_concat_3x3", g.conv(g.op("Relu", [g.bn(g.op("Concat", parts, axis=1), 24)]), 24, 16, 3, pads=[1] * 4))
    g = G(f32(2, 16, 12, 12))
    y = g.op("Relu", [g.bn(g.conv("x", 16, 24, 3, pads=[1] * 4), 24)])
    g.save("pre_after_conv_chain", g.conv(y, 24, 16, 1))
    rng = saved


def winograd_block_cases():
    """Winograd in blocks of tile rows (maps of ≥ 128 tiles): odd output sizes with padding,
    a last block of fewer rows (200 channels: two tile rows per block), and a residual chain.
    Their own seed."""
    global rng
    saved, rng = rng, np.random.default_rng(1718)
    conv_case("wg_blocks_odd", (2, 64, 31, 29), 40, 3, pads=[1, 1, 1, 1])
    conv_case("wg_blocks_c200", (1, 200, 19, 33), 24, 3, pads=[0, 1, 1, 0])
    chain_case("wg_blocks_bn_add_relu", (2, 32, 28, 28), 32, 3, lambda g, y: g.op("Relu", [g.op("Add", [y, "x"])]), pads=[1] * 4)
    rng = saved


def pointwise_images_cases():
    """1×1 convolutions on small maps with ≥ 128 input channels, several images per GEMM call:
    a 3×3 map (strips over three images) with BN, residual and Relu, an 11×10 map with 300
    input channels, and a pre-activation Concat on a 7×7 map with a residual. Their own seed."""
    global rng
    saved, rng = rng, np.random.default_rng(1719)
    chain_case("pw_images_hw9_add_relu", (5, 136, 3, 3), 136, 1, lambda g, y: g.op("Relu", [g.op("Add", [y, "x"])]))
    conv_case("pw_images_k300", (3, 300, 11, 10), 20, 1)
    g = G(f32(4, 120, 7, 7))
    parts = ["x", g.conv("x", 120, 8, 3, pads=[1] * 4)]
    y = g.conv(g.op("Relu", [g.bn(g.op("Concat", parts, axis=1), 128)]), 128, 120, 1, kernel_shape=[1, 1])
    g.save("pw_images_pre_add", g.op("Add", [y, "x"]))
    # DenseNet's transition pooling, 2×2 stride 2, on an odd-sized map.
    g = G(f32(2, 3, 9, 11))
    g.save("avgpool_2x2_s2", g.op("AveragePool", ["x"], kernel_shape=[2, 2], strides=[2, 2]))
    rng = saved


def grouped_lanes_cases():
    """Grouped convolutions with 8–32 output channels per group (CKernels' grouped.c: channels
    in the vector lanes): 8, 16, 24 and 32 per group, strides 1, 2, 3 and 1 × 2, symmetric and
    asymmetric pads, dilation 2, 5×5, more output than input channels per group, a 7×7 map
    with BN + residual + Relu (49 = 8 · 6 + 1 positions), BN + Relu. Their own seed."""
    global rng
    saved, rng = rng, np.random.default_rng(1720)
    relu = lambda g, y: g.op("Relu", [y])
    conv_case("gl_g8_s1", (2, 24, 9, 11), 24, 3, group=3, pads=[1] * 4)
    chain_case("gl_g24_s2_relu", (2, 48, 13, 12), 48, 3, relu, group=2, strides=[2, 2], pads=[1] * 4)
    conv_case("gl_g32_dil2", (2, 64, 12, 10), 64, 3, group=2, dilations=[2, 2], pads=[2] * 4)
    chain_case("gl_g16_7x7_add_relu", (3, 64, 7, 7), 64, 3, lambda g, y: g.op("Relu", [g.op("Add", [y, "x"])]),
               group=4, pads=[1] * 4)
    conv_case("gl_g16_s2_asym", (2, 32, 15, 16), 32, 3, group=2, strides=[2, 2], pads=[0, 1, 1, 0])
    conv_case("gl_g16_from8", (1, 16, 8, 8), 32, 3, group=2, pads=[1] * 4)
    conv_case("gl_g16_s1x2", (2, 32, 10, 19), 32, 3, group=2, strides=[1, 2], pads=[1] * 4)
    chain_case("gl_g16_k5_s2_relu", (1, 32, 17, 18), 32, 5, relu, group=2, strides=[2, 2], pads=[2] * 4)
    conv_case("gl_g16_s3", (1, 32, 14, 17), 32, 3, group=2, strides=[3, 3], pads=[1] * 4)
    chain_case("gl_g16_14x14_relu", (2, 160, 14, 14), 160, 3, relu, group=10, pads=[1] * 4)
    rng = saved


def sliced_prefix_cases():
    """Mobile-network prefixes run a few images at a time (Runtime's SlicedPrefix): batches of
    5 and 7 (slices of 2 leave one image over), odd map sizes, a C = 3 stem at stride 2,
    depthwise 3×3 and 5×5 at strides 1 and 2, residual Adds, squeeze-excitation, MaxPool and
    a Conv branch joined by Concat, elementwise operators with per-channel constants, and a
    Flatten → Gemm tail that ends the prefix. Their own seed."""
    global rng
    saved, rng = rng, np.random.default_rng(1760)
    # MobileNetV2 / MNASNet style, ReLU and ReLU6.
    g = G(f32(5, 3, 33, 31))
    relu6 = lambda y: g.op("Clip", [y, g.init(np.float32(0)), g.init(np.float32(6))])
    y = g.op("Relu", [g.bn(g.conv("x", 3, 8, 3, strides=[2, 2], pads=[1] * 4), 8)])
    y = relu6(g.bn(g.conv(y, 8, 8, 3, group=8, pads=[1] * 4), 8))
    y = g.bn(g.conv(y, 8, 8, 1), 8)
    e = g.op("Relu", [g.conv(y, 8, 24, 1)])
    e = g.op("Relu", [g.conv(e, 24, 24, 5, group=24, pads=[2] * 4)])
    s = g.op("Sigmoid", [g.conv(g.op("Relu", [g.conv(g.op("GlobalAveragePool", [e]), 24, 6, 1)]), 6, 24, 1)])
    y = g.op("Add", [g.bn(g.conv(g.op("Mul", [e, s]), 24, 8, 1), 8), y])
    y = g.op("Relu", [g.conv(y, 8, 8, 3, group=8, strides=[2, 2], pads=[1] * 4)])
    y = g.op("Concat", [g.op("MaxPool", [y], kernel_shape=[3, 3], pads=[1] * 4), g.conv(y, 8, 8, 1)], axis=1)
    y = g.op("Add", [g.op("Mul", [y, g.init(1 + f32(16, 1, 1))]), g.init(f32(1, 16, 1, 1))])
    y = g.op("Flatten", [g.op("GlobalAveragePool", [y])])
    g.save("sp_mobile", g.op("Gemm", [y, g.init(f32(10, 16)), g.init(f32(10))], transB=1))
    # EfficientNet style: SiLU, a 5×5 stride-2 depthwise, a residual block after it.
    g = G(f32(7, 3, 29, 27))
    y = g.silu(g.bn(g.conv("x", 3, 16, 3, strides=[2, 2], pads=[1] * 4), 16))
    y = g.silu(g.bn(g.conv(y, 16, 16, 5, group=16, strides=[2, 2], pads=[2] * 4), 16))
    s = g.op("Sigmoid", [g.conv(g.silu(g.conv(g.op("GlobalAveragePool", [y]), 16, 4, 1)), 4, 16, 1)])
    y = g.bn(g.conv(g.op("Mul", [y, s]), 16, 8, 1), 8)
    e = g.silu(g.conv(y, 8, 32, 1))
    e = g.silu(g.conv(e, 32, 32, 3, group=32, pads=[1] * 4))
    y = g.op("Add", [y, g.bn(g.conv(e, 32, 8, 1), 8)])
    y = g.op("Flatten", [g.op("GlobalAveragePool", [y])])
    g.save("sp_silu", g.op("Gemm", [y, g.init(f32(10, 8)), g.init(f32(10))], transB=1))
    rng = saved


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    # Depthwise: strides, paddings, dilations, kernel sizes, widths below and above 8 lanes.
    for s in (1, 2, 3):
        for k, p, d in ((3, 1, 1), (5, 2, 1), (3, 2, 2), (3, 0, 1), (5, 4, 2)):
            conv_case(f"dw_k{k}_s{s}_p{p}_d{d}", (2, 6, 19, 23), 6, k, group=6, strides=[s, s], pads=[p] * 4, dilations=[d, d])
    conv_case("dw_asym_pads", (2, 4, 17, 16), 4, 3, group=4, strides=[2, 2], pads=[0, 0, 1, 1])
    conv_case("dw_asym_strides_dil", (2, 4, 21, 34), 4, (3, 5), group=4, strides=[2, 1], pads=[1, 4, 2, 3], dilations=[1, 2])
    conv_case("dw_same_upper_s2", (2, 5, 15, 15), 5, 5, group=5, strides=[2, 2], auto_pad="SAME_UPPER")
    conv_case("dw_multiplier2", (2, 3, 12, 13), 6, 3, group=3, strides=[2, 2], pads=[1, 1, 1, 1])
    conv_case("dw_7x7_small", (3, 8, 7, 7), 8, 7, group=8, pads=[3] * 4)
    g = G(f32(2, 4, 40))
    g.save("dw_no_bias_1d", g.conv("x", 4, 4, [5], group=4, bias=False, strides=[2], pads=[2, 2]))
    # Grouped and 1×1 convolutions.
    conv_case("grouped_3x3_s2", (2, 16, 14, 15), 16, 3, group=4, strides=[2, 2], pads=[1, 1, 1, 1])
    conv_case("grouped_dil2", (2, 6, 11, 12), 9, 3, group=3, pads=[2, 2, 2, 2], dilations=[2, 2])
    conv_case("grouped_1x1_s2", (3, 8, 9, 10), 12, 1, group=2, strides=[2, 2])
    conv_case("pointwise_wide", (2, 24, 24, 25), 32, 1)
    conv_case("pointwise_small_map", (5, 32, 7, 7), 48, 1)
    conv_case("pointwise_s2", (2, 16, 13, 14), 24, 1, strides=[2, 2])
    conv_case("pointwise_padded", (2, 8, 6, 6), 8, 1, pads=[1, 0, 1, 2])
    # Fused chains (the optimised plan) against the unfused graph run by onnxruntime.
    relu6 = lambda g, y: g.op("Clip", [y, g.init(np.float32(0)), g.init(np.float32(6))])
    chain_case("chain_bn_relu6", (2, 8, 20, 20), 16, 1, relu6)
    chain_case("chain_dw_bn_relu6_s2", (2, 16, 20, 20), 16, 3, relu6, group=16, strides=[2, 2], pads=[1] * 4)
    chain_case("chain_clip_min_only", (2, 8, 10, 10), 8, 3, lambda g, y: g.op("Clip", [y, g.init(np.float32(-0.1))]), pads=[1] * 4)
    chain_case("chain_clip_opset10", (2, 8, 10, 10), 8, 3, lambda g, y: g.op("Clip", [y], min=-0.2, max=0.3), opset=10, pads=[1] * 4)
    chain_case("chain_bn_silu", (2, 8, 20, 20), 24, 1, lambda g, y: g.silu(y))
    chain_case("chain_dw5_bn_silu", (2, 12, 17, 17), 12, 5, lambda g, y: g.silu(y), group=12, pads=[2] * 4)
    chain_case("chain_silu_swapped", (2, 8, 12, 12), 8, 3, lambda g, y: g.op("Mul", [g.op("Sigmoid", [y]), y]), bn=False, pads=[1] * 4)
    chain_case("chain_sigmoid", (2, 8, 12, 12), 8, 1, lambda g, y: g.op("Sigmoid", [y]), bn=False)
    chain_case("chain_hardswish", (2, 8, 12, 12), 16, 3, lambda g, y: g.op("HardSwish", [y]), pads=[1] * 4)
    chain_case("chain_hardsigmoid", (2, 8, 12, 12), 16, 1, lambda g, y: g.op("HardSigmoid", [y], alpha=0.3, beta=0.4))
    chain_case("chain_leakyrelu", (2, 8, 12, 12), 16, 3, lambda g, y: g.op("LeakyRelu", [y], alpha=0.1), strides=[2, 2])
    chain_case("chain_bn_add_relu", (2, 8, 12, 12), 8, 3, lambda g, y: g.op("Relu", [g.op("Add", [y, "x"])]), pads=[1] * 4)
    chain_case("chain_add_silu", (2, 8, 12, 12), 8, 1, lambda g, y: g.silu(g.op("Add", ["x", y])))
    # Squeeze-excitation (EfficientNet): x · sigmoid(W2 silu(W1 mean(x))).
    g = G(f32(3, 16, 9, 9))
    p = g.op("GlobalAveragePool", ["x"])
    s = g.op("Sigmoid", [g.conv(g.silu(g.conv(p, 16, 4, 1)), 4, 16, 1)])
    g.save("se_block", g.conv(g.op("Mul", ["x", s]), 16, 8, 1))
    # Pre-activation (DenseNet): BatchNormalization → Relu → Conv.
    g = G(f32(2, 12, 10, 10))
    g.save("bn_relu_conv", g.conv(g.op("Relu", [g.bn("x", 12)]), 12, 8, 1, bias=False))
    # Whole-array activations past the SIMD width, with extreme values.
    extremes = np.tile(np.array([-100, -88, -87, 0, 87, 88, 100, -5, 5], np.float32), (2, 3, 1, 1))
    g = G(np.concatenate([f32(2, 3, 7, 9) * 30, extremes], axis=2))
    g.save("silu_standalone", g.silu("x"))
    # Winograd F(2×2, 3×3) (3×3, stride 1, ≥ 16 channels): odd output sizes, no and
    # asymmetric pads, a fused residual chain, a deep channel sum.
    conv_case("wino_3x3_p1_odd", (2, 16, 14, 15), 24, 3, pads=[1] * 4)
    conv_case("wino_3x3_p0", (3, 32, 9, 8), 16, 3)
    conv_case("wino_3x3_asym_pads", (1, 16, 11, 10), 20, 3, pads=[0, 1, 2, 1])
    chain_case("wino_chain_bn_add_relu", (2, 16, 10, 10), 16, 3, lambda g, y: g.op("Relu", [g.op("Add", [y, "x"])]), pads=[1] * 4)
    conv_case("wino_3x3_c128", (2, 128, 7, 7), 64, 3, pads=[1] * 4)
    conv_case("wino_3x3_wide", (1, 16, 20, 34), 16, 3, pads=[1] * 4)
    # CKernels (AVX2/FMA): the packed 1×1 GEMM — k blocked (400 = 3 × 134), rows past a
    # 6-row panel, 16-column tiles with masked tails of 15 and 2 columns — and its fused
    # epilogue (residual, SiLU, HardSwish, LeakyRelu); epilogue rows of ≥ 64 outputs on the
    # GEMM's wide path; whole-array activations of odd lengths.
    conv_case("ck_pointwise_deep", (1, 400, 12, 13), 38, 1)
    conv_case("ck_pointwise_tail15", (2, 20, 11, 13), 7, 1)
    conv_case("ck_pointwise_tail2", (1, 20, 10, 13), 13, 1)
    chain_case("ck_pointwise_add_silu", (1, 200, 12, 11), 200, 1, lambda g, y: g.silu(g.op("Add", [y, "x"])))
    chain_case("ck_pointwise_hardswish", (2, 16, 16, 16), 20, 1, lambda g, y: g.op("HardSwish", [y]))
    chain_case("ck_pointwise_leakyrelu", (2, 24, 12, 12), 30, 1, lambda g, y: g.op("LeakyRelu", [y], alpha=0.1), bn=False)
    chain_case("ck_rows_hardswish", (1, 8, 6, 70), 16, 3, lambda g, y: g.op("HardSwish", [y]), pads=[1] * 4)
    chain_case("ck_rows_add_relu", (1, 8, 6, 70), 8, 3, lambda g, y: g.op("Relu", [g.op("Add", [y, "x"])]), pads=[1] * 4)
    chain_case("ck_rows_clip", (1, 8, 5, 67), 8, 3, lambda g, y: g.op("Clip", [y], min=-0.2, max=0.3), opset=10, pads=[1] * 4)
    g = G(f32(2, 3, 7, 9) * 8)
    t = g.op("HardSigmoid", [g.op("LeakyRelu", [g.op("HardSwish", ["x"])], alpha=0.2)], alpha=0.3, beta=0.4)
    g.save("ck_standalone_acts", g.op("Relu", [g.op("Sigmoid", [t])]))
    # The 1×1 GEMM's column blocks (k = 16: blocks of 1024 columns, the last one 453 wide with
    # a 5-column tail) and the depthwise kernel's blocks of four rows (37 = 9 · 4 + 1 and
    # 18 = 4 · 4 + 2 output rows, 35 = 2 · 16 + 3 columns).
    chain_case("ck_pointwise_blocks", (1, 16, 41, 61), 14, 1, lambda g, y: g.op("Relu", [y]))
    conv_case("ck_dw_rows_k3", (2, 4, 37, 35), 4, 3, group=4, pads=[1] * 4)
    conv_case("ck_dw_rows_k5_s2", (1, 3, 36, 70), 3, 5, group=3, strides=[2, 2], pads=[2] * 4)
    # Phased convolutions (own GEMM over a zero-padded, phase-split input): grouped 3×3 at
    # strides 1 and 2, a C = 3 stem at stride 2, 7×7 stride 2 with bias, stride 3 with
    # dilation and asymmetric pads, a BN + Add + Relu chain (residual after the GEMM), 1-D.
    conv_case("ph_grouped_s1", (2, 32, 15, 13), 32, 3, group=2, pads=[1] * 4)
    chain_case("ph_grouped_s2_relu", (2, 48, 16, 17), 48, 3, lambda g, y: g.op("Relu", [y]), group=3, strides=[2, 2], pads=[1] * 4)
    conv_case("ph_stem_s2", (2, 3, 33, 30), 32, 3, strides=[2, 2], pads=[1] * 4)
    conv_case("ph_7x7_s2", (1, 3, 40, 37), 16, 7, strides=[2, 2], pads=[3] * 4)
    conv_case("ph_s3_dil_asym", (2, 6, 25, 29), 10, 3, group=2, strides=[3, 2], dilations=[2, 1], pads=[0, 2, 3, 1])
    chain_case("ph_grouped_bn_add_relu", (2, 8, 18, 18), 8, 3, lambda g, y: g.op("Relu", [g.op("Add", [y, "x"])]), pads=[1] * 4, group=2)
    g = G(f32(2, 4, 37))
    g.save("ph_1d_s2", g.conv("x", 4, 6, [5], strides=[2], pads=[2, 1]))
    # Max pooling through the phase-split planes: ResNet's 3×3 stride 2 pad 1, ceil_mode
    # with dilation and asymmetric pads, stride 3, 1-D.
    g = G(f32(2, 5, 17, 19))
    g.save("maxpool_3x3_s2_p1", g.op("MaxPool", ["x"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]))
    g = G(f32(1, 3, 16, 23))
    g.save("maxpool_ceil_dil", g.op("MaxPool", ["x"], kernel_shape=[3, 2], strides=[3, 2], dilations=[1, 2],
                                    pads=[0, 1, 2, 0], ceil_mode=1), opset=12)
    g = G(f32(2, 3, 20, 21))
    g.save("maxpool_s3", g.op("MaxPool", ["x"], kernel_shape=[4, 4], strides=[3, 3]))
    g = G(f32(2, 3, 29))
    g.save("maxpool_1d", g.op("MaxPool", ["x"], kernel_shape=[3], strides=[2], pads=[1, 1]))
    # Depthwise read in place (depthwise_direct.c, depthwise_interleaved.c). Rows of eight-column
    # positions (stride 1; channels not a multiple of 8 or maps wider than 16 / 32 for 5×5):
    # 37 columns (a 5-lane last position), asymmetric pads, rows of one position (blocks of
    # eight rows), maps of fewer than four rows, a post-pass activation. Channel-interleaved
    # (channels a multiple of 8, small maps): 14/7/1 columns, 5×5 up to 32 columns, stride 2
    # with TF-style pads, a residual chain. Stride 2 on wider maps: the phase-split plane.
    relu = lambda g, y: g.op("Relu", [y])
    relu6 = lambda g, y: g.op("Clip", [y, g.init(np.float32(0)), g.init(np.float32(6))])
    chain_case("dd_rows_k3_relu6", (2, 5, 21, 37), 5, 3, relu6, group=5, pads=[1] * 4)
    conv_case("dd_rows_k3_asym", (2, 3, 18, 30), 3, 3, group=3, pads=[0, 2, 2, 0])
    chain_case("dd_rows_k5_hardswish", (1, 8, 12, 41), 8, 5, lambda g, y: g.op("HardSwish", [y]), group=8, pads=[2] * 4)
    conv_case("dd_rows_one_position", (2, 5, 13, 6), 5, 3, group=5, pads=[1] * 4)
    conv_case("dd_rows_short", (2, 5, 3, 20), 5, 3, group=5, pads=[1] * 4)
    conv_case("dd_rows_width9", (2, 3, 9, 11), 3, 3, group=3, pads=[1, 0, 1, 0])
    conv_case("dd_plane_1x1_rows", (2, 3, 1, 1), 3, 3, group=3, pads=[1] * 4)
    conv_case("dd_plane_1x1_interleaved", (2, 16, 1, 1), 16, 5, group=16, pads=[2] * 4)
    chain_case("dd_il_k3_relu6", (3, 24, 14, 14), 24, 3, relu6, group=24, pads=[1] * 4)
    chain_case("dd_il_k5_silu", (2, 16, 7, 7), 16, 5, lambda g, y: g.silu(y), group=16, pads=[2] * 4)
    conv_case("dd_il_k5_w28", (1, 8, 28, 28), 8, 5, group=8, pads=[2] * 4)
    chain_case("dd_il_s2_tf_pads", (2, 16, 28, 28), 16, 3, relu, group=16, strides=[2, 2], pads=[0, 0, 1, 1])
    conv_case("dd_il_k5_s2_w16", (1, 8, 31, 31), 8, 5, group=8, strides=[2, 2], pads=[2] * 4)
    chain_case("dd_il_add_relu", (2, 16, 9, 10), 16, 3, lambda g, y: g.op("Relu", [g.op("Add", [y, "x"])]), group=16, pads=[1] * 4)
    chain_case("dd_s2_phase_relu6", (2, 16, 40, 45), 16, 3, relu6, group=16, strides=[2, 2], pads=[1] * 4)
    conv_case("dd_s2_phase_k5_asym", (1, 5, 34, 37), 5, 5, group=5, strides=[2, 2], pads=[1, 2, 2, 1])
    prologue_cases()
    winograd_block_cases()
    pointwise_images_cases()
    grouped_lanes_cases()
    sliced_prefix_cases()
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{len(manifest)} cases, {total / 1024:.0f} KiB in {OUT}")


if __name__ == "__main__":
    main()
