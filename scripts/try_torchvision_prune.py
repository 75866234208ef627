#!/usr/bin/env python3
"""Training-time pruning with recovery epochs on a torchvision export, checked in onnxruntime.

  usage: try_torchvision_prune.py NNCODEC_BINARY [OUTDIR]      (python with torch, torchvision, onnxruntime)
ResNet-18 (random init, no download; TorchScript exporter, opset 17, BatchNorm folded as the
exporter does; 10 classes, input N x 3 x 32 x 32) learns a synthetic task — each class a fixed
random pattern (0.8 x) under unit noise; 160 training and 80 validation images — with `nncodec
finetune` (6 epochs), then `nncodec prune --method serene --sensitivity lb --recover-epochs 2`
(14 epochs), `simplify`, `encode -q 15` and `decode`. Prints per step the validation top-1 that
onnxruntime computes, the non-zero values stored, the stages and which of them recovery kept;
fails (exit 1) when a step fails, a model does not pass the ONNX checker, the pruned model keeps
as many non-zeros as the trained one, or the decoded model's top-1 differs from the simplified one's."""
import json
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torchvision
from onnx import numpy_helper

C, N_TRAIN, N_VAL, SIZE = 10, 160, 80, 32


def make(d):
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    pattern = rng.standard_normal((C, 3, SIZE, SIZE)).astype(np.float32)
    for split, n in (("train", N_TRAIN), ("val", N_VAL)):
        y = rng.integers(0, C, n)
        x = (0.8 * pattern[y] + rng.standard_normal((n, 3, SIZE, SIZE))).astype(np.float32)
        np.save(os.path.join(d, split + "_x.npy"), x)
        np.save(os.path.join(d, split + "_y.npy"), y.astype(np.int64))
    model = torchvision.models.resnet18(weights=None, num_classes=C).eval()
    torch.onnx.export(model, (torch.zeros(1, 3, SIZE, SIZE),), os.path.join(d, "resnet18.onnx"), dynamo=False,
                      opset_version=17, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})


def check(path, x, y):
    onnx.checker.check_model(path)
    logits = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
    m = onnx.load(path)
    values = [numpy_helper.to_array(t) for t in m.graph.initializer]
    values += [numpy_helper.to_array(a.t) for n in m.graph.node if n.op_type == "Constant" for a in n.attribute if a.name == "value"]
    return float((logits.argmax(1) == y).mean()), sum(int((v != 0).sum()) for v in values)


def main():
    nn = os.path.abspath(sys.argv[1])
    d = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "/tmp/tvprune")
    os.makedirs(d, exist_ok=True)
    make(d)
    p = lambda name: os.path.join(d, name)
    data = ["--data", p("train_x.npy"), "--labels", p("train_y.npy"), "--val-data", p("val_x.npy"), "--val-labels", p("val_y.npy")]
    steps = [
        ["finetune", p("resnet18.onnx"), *data, "--epochs", "6", "--batch", "16", "--lr", "0.01", "-o", p("trained.onnx")],
        ["prune", p("trained.onnx"), "--method", "serene", "--sensitivity", "lb", *data, "--lambda", "1e-3", "--lr", "0.01",
         "--batch", "16", "--pwe", "1", "--twt", "1.45", "--recover-epochs", "2", "--retries", "3", "--max-epochs", "14",
         "--seed", "1", "-o", p("pruned.onnx"), "--json"],
        ["simplify", p("pruned.onnx"), "-o", p("simplified.onnx")],
        ["encode", p("simplified.onnx"), "-q", "15", "-o", p("simplified.nnc")],
        ["decode", p("simplified.nnc"), "-o", p("decoded.onnx")],
    ]
    log = None
    for s in steps:
        r = subprocess.run([nn, *s, "--force"], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"{s[0]} failed: {r.stderr.strip()}")
        if s[0] == "prune":
            log = json.loads(r.stdout)
    x, y = np.load(p("val_x.npy")), np.load(p("val_y.npy"))
    results = {name: check(p(name + ".onnx"), x, y) for name in ("resnet18", "trained", "pruned", "simplified", "decoded")}
    for name, (top1, nonzero) in results.items():
        print(f"{name}: validation top-1 {100 * top1:.2f}% (onnxruntime), non-zero parameters {nonzero:,}")
    print(f"prune: {log['compressionRatio']:.2f}x, stopped: {log['stopped']}, {len(log['epochs'])} epochs")
    for st in log["stages"]:
        kept = "kept after %d recovery epoch(s), top-1 %.2f%%" % (st["recoveryEpochs"], 100 * st["recoveredTop1"]) \
            if st.get("recoveredTop1") is not None else ("undone" if st.get("recoveryEpochs") else "passed")
        print(f"  stage {st['stage']}: pruned {st['pruned']:,}, top-1 right after {100 * st['validationTop1']:.2f}%, {kept}")
    ok = results["simplified"][0] == results["decoded"][0] and results["pruned"][1] < results["trained"][1]
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
