#!/usr/bin/env python3
"""Exports torchvision ImageNet models with seeded random weights (224×224, opset 17,
dynamic batch) as ONNX for the Runtime benchmark.  Needs torch and torchvision
(/opt/nnc-ref/bin/python).  The folder is not committed (Benchmarks/models/ is ignored).
  export_torchvision.py OUT_DIR [NAME ...]   (default: all six)"""
import os, sys
import torch
import torchvision.models as tvm

MODELS = {
    "resnet18": tvm.resnet18,
    "mobilenet_v2": tvm.mobilenet_v2,
    "efficientnet_b0": tvm.efficientnet_b0,
    "mnasnet1_0": tvm.mnasnet1_0,
    "regnet_x_400mf": tvm.regnet_x_400mf,
    "densenet121": tvm.densenet121,
}


def export(name, out):
    torch.manual_seed(0)
    m = MODELS[name](weights=None).eval()
    # Random BatchNorm statistics, so folded scales are not all 1.
    g = torch.Generator().manual_seed(1)
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            n = mod.num_features
            mod.running_mean.copy_(0.1 * torch.randn(n, generator=g))
            mod.running_var.copy_(1 + 0.2 * torch.rand(n, generator=g))
            mod.weight.data.copy_(1 + 0.1 * torch.randn(n, generator=g))
            mod.bias.data.copy_(0.1 * torch.randn(n, generator=g))
    x = torch.randn(1, 3, 224, 224, generator=g)
    torch.onnx.export(m, x, out, opset_version=17, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, dynamo=False)


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    names = sys.argv[2:] or list(MODELS)
    for name in names:
        path = os.path.join(out_dir, f"{name}.onnx")
        if not os.path.exists(path):
            tmp = path + ".tmp"
            export(name, tmp)
            os.replace(tmp, path)
        print(path)


if __name__ == "__main__":
    main()
