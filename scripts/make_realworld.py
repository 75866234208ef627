#!/usr/bin/env python3
"""Generate the real-model test set into testdata/realworld/.

Run with the reference python (torch, torchvision, onnx):
    /opt/nnc-ref/bin/python scripts/make_realworld.py [--out testdata/realworld]

Two kinds of models:

1. Exporter patterns, small, committed whole (`pattern_*.onnx`), built with onnx.helper
   the way the exporters write them (see testdata/realworld/README.md):
   - `pattern_paddle`: a CNN whose every weight is a `Constant` node (`value` tensor),
     input declared `[-1, 3, 16, 16]` (Paddle2ONNX writes `dim_value: -1`).
   - `pattern_tf_mask`: an MLP classifier with weights in `Constant` nodes, a bias in
     `value_floats`, a Reshape shape in `value_ints`, a sparse Constant, and a mask
     constant holding -inf added before Softmax (tf2onnx).
   - `pattern_subgraph`: an `If` whose branches keep their own weight initializers.
   - `pattern_torch_nofold`: torch.onnx.export(do_constant_folding=False) of a small CNN
     whose weights the exporter writes as `Constant` nodes feeding the layers.
2. torchvision architectures (ResNet-18, MobileNetV2, EfficientNet-B0, SqueezeNet 1.1,
   DenseNet-121, ShuffleNetV2 x1.0, RegNetX-400MF, MNASNet 1.0), random init (seed 0),
   BatchNorm statistics randomised, exported by torch.onnx (TorchScript exporter, opset 17,
   dynamic batch). Committed as *skeletons* (`tv_*.skel.onnx`): the graph with every float
   initializer of more than 64 elements emptied, plus `tv_*.stats.json` with each emptied
   tensor's mean, std, min and max. `tests/python/realworld.py` refills them with seeded
   normal values clipped to [min, max], so `make test` needs neither torch nor a download.
"""
import argparse
import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
RNG = np.random.default_rng(0)


def const(name, arr):
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.asarray(arr), name=""))


def weights(*shape, scale=None):
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
    s = scale if scale is not None else (2.0 / fan_in) ** 0.5
    return (RNG.standard_normal(shape) * s).astype(np.float32)


def finish(graph, path):
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="make_realworld")
    m.ir_version = 8
    onnx.checker.check_model(m, full_check=False)
    onnx.save(m, str(path))


def pattern_paddle(out):
    nodes, c = [], 3
    x = "x"
    for i, co in enumerate([24, 48, 64]):
        nodes += [const(f"conv{i}.w", weights(co, c, 3, 3)), const(f"conv{i}.b", weights(co, scale=0.05)),
                  helper.make_node("Conv", [x, f"conv{i}.w", f"conv{i}.b"], [f"c{i}"], pads=[1, 1, 1, 1],
                                   strides=[2, 2] if i else [1, 1]),
                  const(f"bn{i}.s", 1 + 0.1 * RNG.standard_normal(co).astype(np.float32)),
                  const(f"bn{i}.b", 0.1 * RNG.standard_normal(co).astype(np.float32)),
                  const(f"bn{i}.m", 0.1 * RNG.standard_normal(co).astype(np.float32)),
                  const(f"bn{i}.v", RNG.uniform(0.5, 1.5, co).astype(np.float32)),
                  helper.make_node("BatchNormalization", [f"c{i}", f"bn{i}.s", f"bn{i}.b", f"bn{i}.m", f"bn{i}.v"], [f"n{i}"]),
                  helper.make_node("Relu", [f"n{i}"], [f"r{i}"])]
        x, c = f"r{i}", co
    nodes += [helper.make_node("GlobalAveragePool", [x], ["gap"]), helper.make_node("Flatten", ["gap"], ["flat"]),
              const("fc.w", weights(c, 10)), const("fc.b", weights(10, scale=0.05)),
              helper.make_node("MatMul", ["flat", "fc.w"], ["mm"]), helper.make_node("Add", ["mm", "fc.b"], ["logits"])]
    g = helper.make_graph(nodes, "paddle_pattern",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [-1, 3, 16, 16])],
                          [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [-1, 10])])
    finish(g, out / "pattern_paddle.onnx")
    return {"name": "pattern_paddle", "input": "x", "shape": [2, 3, 16, 16]}


def pattern_tf_mask(out):
    mask = np.zeros((1, 12), np.float32)
    mask[0, [3, 7, 11]] = -np.inf
    sparse_vals = numpy_helper.from_array(weights(40, scale=0.05), name="")
    sparse_idx = numpy_helper.from_array(np.sort(RNG.choice(128 * 12, 40, replace=False)).astype(np.int64), name="")
    sparse = helper.make_sparse_tensor(sparse_vals, sparse_idx, [128, 12])
    nodes = [
        const("shape", np.array([-1, 96], np.int64)),
        helper.make_node("Reshape", ["x", "shape"], ["flat"]),
        const("dense1/kernel", weights(96, 256)),
        helper.make_node("Constant", [], ["dense1/bias"], value_floats=list(map(float, weights(256, scale=0.05)))),
        helper.make_node("MatMul", ["flat", "dense1/kernel"], ["h1"]), helper.make_node("Add", ["h1", "dense1/bias"], ["h1b"]),
        helper.make_node("Relu", ["h1b"], ["a1"]),
        const("dense2/kernel", weights(256, 128)),
        helper.make_node("MatMul", ["a1", "dense2/kernel"], ["h2"]), helper.make_node("Tanh", ["h2"], ["a2"]),
        const("dense3/kernel", weights(128, 12)),
        helper.make_node("Constant", [], ["dense3/sparse"], sparse_value=sparse),
        helper.make_node("Add", ["dense3/kernel", "dense3/sparse"], ["k3"]),
        helper.make_node("MatMul", ["a2", "k3"], ["h3"]),
        helper.make_node("Constant", [], ["axes"], value_ints=[1]),
        const("mask", mask),
        helper.make_node("Add", ["h3", "mask"], ["masked"]),
        helper.make_node("Softmax", ["masked"], ["probs"], axis=1),
    ]
    g = helper.make_graph(nodes, "tf2onnx_pattern",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["unk__0", 8, 12])],
                          [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["unk__0", 12])])
    finish(g, out / "pattern_tf_mask.onnx")
    return {"name": "pattern_tf_mask", "input": "x", "shape": [3, 8, 12]}


def pattern_subgraph(out):
    def branch(name):
        w = numpy_helper.from_array(weights(64, 200), name=f"{name}.w")
        return helper.make_graph([helper.make_node("MatMul", ["x", f"{name}.w"], [f"{name}.y"])], name, [],
                                 [helper.make_tensor_value_info(f"{name}.y", TensorProto.FLOAT, [-1, 200])], [w])
    nodes = [helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0),
             const("zero", np.array(0, np.float32)),
             helper.make_node("Greater", ["s", "zero"], ["cond"]),
             helper.make_node("If", ["cond"], ["y"], then_branch=branch("then"), else_branch=branch("else"))]
    g = helper.make_graph(nodes, "subgraph_pattern",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [-1, 64])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [-1, 200])])
    finish(g, out / "pattern_subgraph.onnx")
    return {"name": "pattern_subgraph", "input": "x", "shape": [4, 64]}


def pattern_torch_nofold(out):
    import torch
    import torch.nn as nn
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)).eval()
    tmp = out / "_nofold.onnx"
    torch.onnx.export(net, torch.randn(1, 3, 16, 16), str(tmp), dynamo=False, opset_version=OPSET,
                      do_constant_folding=False, input_names=["x"], output_names=["logits"],
                      dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}})
    m = onnx.load(str(tmp))
    tmp.unlink()
    # Older torch exports (and export of traced parameters) write each weight as a Constant node.
    consts = [helper.make_node("Constant", [], [t.name], value=t) for t in m.graph.initializer]
    del m.graph.initializer[:]
    nodes = consts + list(m.graph.node)
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    onnx.checker.check_model(m)
    onnx.save(m, str(out / "pattern_torch_nofold.onnx"))
    return {"name": "pattern_torch_nofold", "input": "x", "shape": [2, 3, 16, 16]}


TORCHVISION = {"resnet18": "resnet18", "mobilenet_v2": "mobilenet_v2", "efficientnet_b0": "efficientnet_b0",
               "squeezenet1_1": "squeezenet1_1", "densenet121": "densenet121", "shufflenet_v2_x1_0": "shufflenet_v2_x1_0",
               "regnet_x_400mf": "regnet_x_400mf", "mnasnet1_0": "mnasnet1_0"}


def torchvision_skeleton(name, out):
    import torch
    import torchvision
    torch.manual_seed(0)
    net = getattr(torchvision.models, TORCHVISION[name])(weights=None).eval()
    g = torch.Generator().manual_seed(1)
    for mod in net.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            n = mod.num_features
            mod.running_mean.copy_(0.1 * torch.randn(n, generator=g))
            mod.running_var.copy_(torch.rand(n, generator=g) + 0.5)
            mod.weight.data.copy_(1 + 0.1 * torch.randn(n, generator=g))
            mod.bias.data.copy_(0.1 * torch.randn(n, generator=g))
    tmp = out / f"_{name}.onnx"
    torch.onnx.export(net, torch.randn(1, 3, 224, 224), str(tmp), dynamo=False, opset_version=OPSET,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    m = onnx.load(str(tmp))
    tmp.unlink()
    onnx.checker.check_model(m, full_check=True)
    stats = {}
    for t in m.graph.initializer:
        a = numpy_helper.to_array(t)
        if a.dtype != np.float32 or a.size <= 64:
            continue
        stats[t.name] = {"mean": float(a.mean()), "std": float(a.std()), "min": float(a.min()), "max": float(a.max())}
        t.ClearField("raw_data")
        t.ClearField("float_data")
    onnx.save(m, str(out / f"tv_{name}.skel.onnx"))
    (out / f"tv_{name}.stats.json").write_text(json.dumps(stats, indent=0, sort_keys=True) + "\n")
    return {"name": name, "input": "input", "shape": [1, 3, 224, 224],
            "parameters": int(sum(np.prod(t.dims) for t in m.graph.initializer))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="testdata/realworld")
    ap.add_argument("--skip-torchvision", action="store_true")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = {"patterns": [pattern_paddle(out), pattern_tf_mask(out), pattern_subgraph(out), pattern_torch_nofold(out)]}
    if not args.skip_torchvision:
        manifest["torchvision"] = [torchvision_skeleton(n, out) for n in TORCHVISION]
    else:
        old = out / "manifest.json"
        manifest["torchvision"] = json.loads(old.read_text())["torchvision"] if old.exists() else []
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
