#!/usr/bin/env python3
"""Writes a randomly initialised CIFAR-style VGG-16 (13 conv + 3 fc, ~15.6 M float32
parameters, about 62 MB) as ONNX, for benchmarks.  Needs numpy and onnx only.
  make_vgg16.py OUT.onnx [--bn]"""
import sys
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

def main():
    out = sys.argv[1]
    bn = "--bn" in sys.argv
    rng = np.random.default_rng(0)
    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
    nodes, inits = [], []
    x, c, i = "input", 3, 0
    for v in cfg:
        if v == "M":
            nodes.append(helper.make_node("MaxPool", [x], [f"pool{i}"], kernel_shape=[2, 2], strides=[2, 2]))
            x = f"pool{i}"; i += 1
            continue
        w = (rng.standard_normal((v, c, 3, 3)) * np.sqrt(2 / (9 * c))).astype(np.float32)
        b = (rng.standard_normal(v) * 0.01).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"conv{i}.weight"), numpy_helper.from_array(b, f"conv{i}.bias")]
        nodes.append(helper.make_node("Conv", [x, f"conv{i}.weight", f"conv{i}.bias"], [f"conv{i}"], pads=[1, 1, 1, 1]))
        y = f"conv{i}"
        if bn:
            for n, val in [("scale", 1 + 0.1 * rng.standard_normal(v)), ("bias", 0.1 * rng.standard_normal(v)),
                           ("mean", 0.1 * rng.standard_normal(v)), ("var", 1 + 0.1 * rng.random(v))]:
                inits.append(numpy_helper.from_array(val.astype(np.float32), f"bn{i}.{n}"))
            nodes.append(helper.make_node("BatchNormalization", [y] + [f"bn{i}.{n}" for n in ["scale", "bias", "mean", "var"]], [f"bn{i}"]))
            y = f"bn{i}"
        nodes.append(helper.make_node("Relu", [y], [f"relu{i}"]))
        x, c, i = f"relu{i}", v, i + 1
    nodes.append(helper.make_node("Flatten", [x], ["flat"], axis=1))
    x, d = "flat", 512
    for k, h in enumerate([1024, 1024, 10]):
        w = (rng.standard_normal((h, d)) * np.sqrt(2 / d)).astype(np.float32)
        b = (rng.standard_normal(h) * 0.01).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"fc{k}.weight"), numpy_helper.from_array(b, f"fc{k}.bias")]
        y = "logits" if h == 10 else f"fc{k}"
        nodes.append(helper.make_node("Gemm", [x, f"fc{k}.weight", f"fc{k}.bias"], [y], transB=1))
        if h != 10:
            nodes.append(helper.make_node("Relu", [y], [f"fcrelu{k}"])); y = f"fcrelu{k}"
        x, d = y, h
    g = helper.make_graph(nodes, "vgg16", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 32, 32])],
                          [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="nncodec-bench",
                          ir_version=8)  # opset 17 needs IR 8; older onnxruntime rejects newer IR
    onnx.checker.check_model(m)
    onnx.save(m, out)
    print(f"{out}: {sum(t.size for t in map(numpy_helper.to_array, inits)):,} parameters")

if __name__ == "__main__":
    main()
