#!/usr/bin/env python3
"""Binary test networks (issue 12): a binary LeNet-5 and a small Network-in-Network BNN.

Run with the reference python after scripts/make_testdata.py (scripts/make-testdata.sh runs
both):  /opt/nnc-ref/bin/python scripts/make_testdata_bnn.py [--out testdata]

Binary network as a PyTorch BNN exports it: every hidden layer keeps a real-valued latent
weight and computes with Sign(weight) (a `Sign` node on the initializer in the ONNX graph);
hidden activations are binarized by `Sign` after BatchNormalization. The first layer (it
reads the real image) and the last layer (it writes the logits) are real. Training uses
the straight-through estimator: d sign(x)/dx := 1 where |x| <= 1, else 0, for weights and
activations alike; latent weights are clipped to [-1, 1] after every step.

Same data, split and preprocessing as make_testdata.py (it imports its make_data), trained
on the train split only with Adam (seeded, deterministic, one thread), exported with the
TorchScript exporter, opset 17, then checked with onnx.checker and onnxruntime on the test
split. Writes bnn_*.onnx and bnn_*_ort_logits.npy, adds the models to manifest.json under
"binary_models" and rewrites the "Binary networks" section of README.md. Every other file
is left as it is.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import make_testdata as mt  # noqa: E402

EXPORTING = False


class SignSTE(torch.autograd.Function):
    """sign(x) forward; straight-through backward: the gradient passes where |x| <= 1."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.sign(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x.abs() <= 1).to(g.dtype)


def bsign(x):
    # Export: plain torch.sign, which the exporter writes as an ONNX `Sign` node.
    return torch.sign(x) if EXPORTING else SignSTE.apply(x)


class BinConv2d(nn.Conv2d):
    def forward(self, x):
        return F.conv2d(x, bsign(self.weight), None, self.stride, self.padding)


class BinLinear(nn.Linear):
    def forward(self, x):
        return F.linear(x, bsign(self.weight), None)


class BinLeNet5(nn.Module):
    """conv5x5x20 (real) - pool - BN - Sign - bconv5x5x50 - pool - BN - Sign - bfc200 - BN -
    Sign - fc10 (real)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)
        self.bn1 = nn.BatchNorm2d(20)
        self.conv2 = BinConv2d(20, 50, 5, bias=False)
        self.bn2 = nn.BatchNorm2d(50)
        self.fc1 = BinLinear(800, 200, bias=False)
        self.bn3 = nn.BatchNorm1d(200)
        self.fc2 = nn.Linear(200, 10)

    def forward(self, x):
        x = bsign(self.bn1(F.max_pool2d(self.conv1(x), 2)))
        x = bsign(self.bn2(F.max_pool2d(self.conv2(x), 2)))
        x = bsign(self.bn3(self.fc1(torch.flatten(x, 1))))
        return self.fc2(x)


class BinNiN(nn.Module):
    """Network in Network, binary: three mlpconv blocks (a spatial conv and a 1x1 conv, each
    followed by BN and Sign), max pooling between them, the last 1x1 conv (real) gives one
    map per class, global average pooling gives the logits. The first conv is real."""

    def __init__(self, c1=24, c2=48):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, 5, padding=2)
        self.bn1 = nn.BatchNorm2d(c1)
        self.cccp1 = BinConv2d(c1, c1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c1)
        self.conv2 = BinConv2d(c1, c2, 3, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(c2)
        self.cccp2 = BinConv2d(c2, c2, 1, bias=False)
        self.bn4 = nn.BatchNorm2d(c2)
        self.conv3 = BinConv2d(c2, c2, 3, padding=1, bias=False)
        self.bn5 = nn.BatchNorm2d(c2)
        self.cccp3 = nn.Conv2d(c2, 10, 1)

    def forward(self, x):
        x = bsign(self.bn1(self.conv1(x)))
        x = F.max_pool2d(bsign(self.bn2(self.cccp1(x))), 2)
        x = bsign(self.bn3(self.conv2(x)))
        x = F.max_pool2d(bsign(self.bn4(self.cccp2(x))), 2)
        x = bsign(self.bn5(self.conv3(x)))
        x = F.adaptive_avg_pool2d(self.cccp3(x), 1)
        return torch.flatten(x, 1)


def train_bnn(model, xtr, ytr, epochs, lr, batch=64):
    """make_testdata's training loop, with the latent weights of the binary layers clipped
    to [-1, 1] after every update."""
    latent = [m.weight for m in model.modules() if isinstance(m, (BinConv2d, BinLinear))]

    def clip():
        with torch.no_grad():
            for w in latent:
                w.clamp_(-1, 1)
    return mt.train(model, xtr, ytr, epochs, lr, batch=batch, after_step=clip)


SPECS = [
    # name, ctor, epochs, lr, description
    ("bnn_lenet5", BinLeNet5, 40, 5e-3,
     "binary LeNet-5: conv5x5x20 (real) - maxpool - BN - Sign - Sign(W) conv5x5x50 - maxpool - BN - "
     "Sign - Sign(W) fc200 - BN - Sign - fc10 (real)"),
    ("bnn_nin", BinNiN, 40, 5e-3,
     "binary Network-in-Network: conv5x5x24 (real) - BN - Sign - Sign(W) 1x1x24 - BN - Sign - maxpool - "
     "Sign(W) 3x3x48 - BN - Sign - Sign(W) 1x1x48 - BN - Sign - maxpool - Sign(W) 3x3x48 - BN - Sign - "
     "1x1x10 (real) - global average pool"),
]


def binary_weights(path):
    import onnx
    m = onnx.load(path)
    inits = {t.name: int(np.prod(t.dims)) for t in m.graph.initializer}
    return sum(inits[n.input[0]] for n in m.graph.node if n.op_type == "Sign" and n.input[0] in inits)


def main():
    global EXPORTING
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(here, "..", "testdata"))
    ap.add_argument("--heldout", action="store_true",
                    help="only the held-out fixtures (bnn_*_heldout.onnx); every other file is left as it is")
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    if args.heldout:
        import make_testdata_bnn_heldout as ho
        return ho.main(out, sys.modules[__name__])
    mt.set_determinism()
    data, ytr, yte = mt.make_data()
    xtr, xte = data[28]["train"], data[28]["test"]
    yte_np = yte.numpy()
    entries = []
    for name, ctor, epochs, lr, what in SPECS:
        mt.set_determinism()
        EXPORTING = False
        model = ctor()
        loss = train_bnn(model, xtr, ytr, epochs, lr)
        acc_t = mt.torch_top1(model, xte, yte)
        path = os.path.join(out, name + ".onnx")
        EXPORTING = True
        mt.export(model, xte[:1], path, "input")
        logits = mt.check_and_run(path, xte.numpy())
        with torch.no_grad():
            ref = model(xte).numpy()
        EXPORTING = False
        acc = float((logits.argmax(1) == yte_np).mean())
        print(f"{name}: params={mt.n_params(model)} train_loss={loss:.4f} torch_top1={acc_t:.4f} "
              f"ort_top1={acc:.4f} max|ort-torch|={float(np.abs(logits - ref).max()):.2e}", file=sys.stderr)
        np.save(os.path.join(out, name + "_ort_logits.npy"), logits.astype(np.float32))
        entries.append(dict(
            name=name, file=name + ".onnx", what=what, input_name="input", input_shape=["N", 1, 28, 28],
            output_name="logits", data_file="digits_test_x28.npy", labels_file="digits_test_y.npy",
            reference_logits_file=name + "_ort_logits.npy", params=mt.n_params(model),
            binary_weights=binary_weights(path), epochs=epochs, lr=lr,
            ort_top1=acc, torch_top1=acc_t, op_types=mt.op_types(path),
            bytes=os.path.getsize(path), sha256=mt.sha256(path)))
    mt.set_manifest_entry(os.path.join(out, "manifest.json"), "binary_models", entries)
    write_readme_section(out, entries)


BEGIN, END = "<!-- binary networks: begin -->", "<!-- binary networks: end -->"


def write_readme_section(out, entries):
    L = [BEGIN, "## Binary networks (issue 12)",
         "Made by `scripts/make_testdata_bnn.py` (after `make_testdata.py`; same data and split), listed "
         "under `binary_models` in manifest.json. Hidden layers compute with `Sign(latent weight)` and "
         "binarize their activations with `Sign` after BatchNormalization; the first and last layers are "
         "real. Trained with the straight-through estimator (gradient passed where |x| <= 1), latent "
         "weights clipped to [-1, 1], Adam with cosine decay, on the train split only.", "",
         "| file | what | params | binary weights | bytes | top-1 (ORT, test) |", "|---|---|---:|---:|---:|---:|"]
    for e in entries:
        L.append("| `%s` | %s | %d | %d | %d | %.4f |" % (e["file"], e["what"], e["params"], e["binary_weights"],
                                                       e["bytes"], e["ort_top1"]))
        L.append("| `%s` | float32 onnxruntime output of `%s` on digits_test_x28.npy | | | %d | |"
                 % (e["reference_logits_file"], e["file"], os.path.getsize(os.path.join(out, e["reference_logits_file"]))))
    L += ["", "ONNX op types: " + "; ".join("`%s`: %s" % (e["file"], ", ".join(e["op_types"])) for e in entries), END]
    mt.replace_marked_section(os.path.join(out, "README.md"), BEGIN, END, L)


if __name__ == "__main__":
    main()
