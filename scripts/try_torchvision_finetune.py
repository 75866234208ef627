#!/usr/bin/env python3
"""Fine-tunes torchvision exports with `nncodec finetune` on random data and checks the
result in onnxruntime: a few steps, the training loss must fall.

  usage: try_torchvision_finetune.py NNCODEC_BINARY [resnet18 mobilenet_v2]
Models are randomly initialised (no download), exported with the TorchScript exporter
(opset 17, eval mode, constant folding: BatchNorm folded into Conv as exporters usually
do), input N x 3 x 64 x 64, 10 classes. 64 random images, batch 16, 4 epochs of SGD."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnxruntime as ort
import torch
import torchvision


def main():
    binary = sys.argv[1]
    names = sys.argv[2:] or ["resnet18", "mobilenet_v2"]
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3, 64, 64)).astype(np.float32)
    y = rng.integers(0, 10, 64).astype(np.int64)
    with tempfile.TemporaryDirectory() as d:
        np.save(os.path.join(d, "x.npy"), x)
        np.save(os.path.join(d, "y.npy"), y)
        for name in names:
            model = getattr(torchvision.models, name)(weights=None, num_classes=10).eval()
            src, out = os.path.join(d, name + ".onnx"), os.path.join(d, name + "_ft.onnx")
            torch.onnx.export(model, (torch.from_numpy(x[:1]),), src, dynamo=False, opset_version=17,
                              input_names=["input"], output_names=["logits"],
                              dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
            r = subprocess.run([binary, "finetune", src, "--data", os.path.join(d, "x.npy"), "--labels",
                                os.path.join(d, "y.npy"), "--val-split", "0", "--epochs", "4", "--batch", "16",
                                "--lr", "0.01", "-o", out, "--json"], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"{name}: finetune failed: {r.stderr.strip()}")
                continue
            rep = json.loads(r.stdout)["report"]
            losses = [e["trainLoss"] for e in rep["epochs"]]
            sess = ort.InferenceSession(out, providers=["CPUExecutionProvider"])
            logits = sess.run(None, {"input": x[:8]})[0]
            print(f"{name}: train loss per epoch {' → '.join(f'{v:.3f}' for v in losses)}; "
                  f"{rep['trainSamplesPerSecond']:.1f} samples/s; onnxruntime output {logits.shape}, "
                  f"finite {bool(np.isfinite(logits).all())}; decreasing {all(b < a for a, b in zip(losses, losses[1:]))}")


if __name__ == "__main__":
    main()
