#!/usr/bin/env python3
"""Trains a CIFAR-style VGG-16 (13 conv + BatchNorm, classifier 512-512-10, ~15 M
parameters) on the testdata digits and writes it as ONNX with BatchNorm folded into the
convolutions (Conv, Relu, MaxPool, Flatten, Gemm only).  Input 3 x 32 x 32: the 28 x 28
digits padded by 2 and repeated over three channels, as Benchmarks/bench_rate.py feeds it.
Trained on testdata/digits_train_* only; the test split is never read.  Seeded; needs torch
and onnx (/opt/nnc-ref/bin/python).  A few minutes on two cores.  Not committed (60 MB).

  train_vgg16_digits.py OUT.onnx [--epochs N]"""
import argparse
import os
import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


class VGG16(nn.Module):
    def __init__(self):
        super().__init__()
        layers, c = [], 3
        for v in CFG:
            if v == "M":
                layers.append(nn.MaxPool2d(2))
            else:
                layers += [nn.Conv2d(c, v, 3, padding=1), nn.BatchNorm2d(v), nn.ReLU()]
                c = v
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def digits(name):
    x = np.load(os.path.join(ROOT, f"testdata/digits_{name}_x28.npy")).astype(np.float32)
    y = np.load(os.path.join(ROOT, f"testdata/digits_{name}_y.npy")).astype(np.int64)
    x = np.repeat(np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2))), 3, axis=1)
    return torch.from_numpy(x), torch.from_numpy(y)


def train(model, x, y, epochs, lr=1e-3, batch=16):
    g = torch.Generator().manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    for ep in range(epochs):
        model.train()
        perm, tot, hits = torch.randperm(x.shape[0], generator=g), 0.0, 0
        for i in range(0, x.shape[0], batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            z = model(x[idx])
            loss = F.cross_entropy(z, y[idx])
            loss.backward()
            opt.step()
            tot += loss.item() * idx.numel()
            hits += int((z.argmax(1) == y[idx]).sum())
        sched.step()
        print(f"epoch {ep + 1}/{epochs}: loss {tot / x.shape[0]:.4f}, train top-1 {100 * hits / x.shape[0]:.2f}%", flush=True)
    model.eval()


def fold_batchnorm(model):
    """Conv followed by BatchNorm → one Conv (eval statistics); the BatchNorm becomes Identity."""
    mods = model.features
    for i in range(len(mods) - 1):
        conv, bn = mods[i], mods[i + 1]
        if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            conv.weight.data = conv.weight.data * scale.view(-1, 1, 1, 1)
            conv.bias.data = (conv.bias.data - bn.running_mean) * scale + bn.bias
            mods[i + 1] = nn.Identity()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--epochs", type=int, default=8)
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    model = VGG16()
    x, y = digits("train")
    train(model, x, y, a.epochs)
    with torch.no_grad():
        before = model(x[:256])
        fold_batchnorm(model)
        assert torch.allclose(before, model(x[:256]), atol=1e-3), "BatchNorm folding changed the outputs"
    tmp = a.out + ".tmp"
    torch.onnx.export(model, (x[:1],), tmp, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=17,
                      do_constant_folding=True, dynamo=False)
    m = onnx.load(tmp)
    onnx.checker.check_model(m)
    onnx.save_model(m, tmp)
    os.replace(tmp, a.out)
    n = sum(p.numel() for p in model.parameters())
    print(f"wrote {a.out}: {n:,} parameters, ops {sorted({nd.op_type for nd in m.graph.node})}")


if __name__ == "__main__":
    main()
