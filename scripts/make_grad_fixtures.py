#!/usr/bin/env python3
"""Whole-model gradient fixtures for the learning engine (Tests/TrainTests).

For every testdata model: rebuild the torch module of scripts/make_testdata.py, load the
ONNX initializers into it (each initializer is one parameter/buffer under its torch name),
run a fixed batch in float64 with the module in training mode (BatchNorm uses batch
statistics and updates its running statistics), take the mean cross-entropy and
torch.autograd's gradients. Writes testdata/train/<model>_grads.npz with
  input, labels, loss, logits, grad.<initializer> (flattened; for tensors over 256 elements
  only the positions index.<initializer>), state.<running statistic after the step>.
The binary networks (bnn_*) run their straight-through estimator (make_testdata_bnn.SignSTE).
Run with the reference python: $(bash /work/shared/tools/nnc-ref/setup.sh) scripts/make_grad_fixtures.py [NAME ...]
(names: only those models; default all).
"""
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import make_testdata as mt  # noqa: E402
import make_testdata_bnn as bnn  # noqa: E402

BATCH = 16
SAMPLE = 256


def main():
    td = os.path.join(here, "..", "testdata")
    out = os.path.join(td, "train")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    x = np.load(os.path.join(td, "digits_test_x28.npy"))[:BATCH]
    y = np.load(os.path.join(td, "digits_test_y.npy"))[:BATCH]
    ids = np.load(os.path.join(td, "tiny_bert_input_ids.npy"))[:8]
    specs = [("lenet300", mt.LeNet300, x, y), ("lenet5", mt.LeNet5, x, y),
             ("resnet_small", mt.ResNetSmall, x, y), ("concat_dw", mt.ConcatDW, x, y),
             ("tiny_bert", mt.TinyBert, ids, (np.arange(8) % 4).astype(np.int64)),
             ("bnn_lenet5", bnn.BinLeNet5, x, y), ("bnn_nin", bnn.BinNiN, x, y)]
    only = set(sys.argv[1:])
    for name, ctor, inp, labels in specs:
        if only and name not in only:
            continue
        model = ctor()
        inits = {t.name: numpy_helper.to_array(t) for t in onnx.load(os.path.join(td, name + ".onnx")).graph.initializer}
        state = model.state_dict()
        for k in state:
            if k in inits:
                state[k] = torch.from_numpy(inits[k].copy())
        model.load_state_dict(state)
        model = model.double().train()
        t_in = torch.from_numpy(inp) if inp.dtype == np.int64 else torch.from_numpy(inp).double()
        logits = model(t_in)
        loss = F.cross_entropy(logits, torch.from_numpy(labels))
        loss.backward()
        arrays = {"input": inp, "labels": labels, "loss": np.array(loss.item()),
                  "logits": logits.detach().numpy().astype(np.float64)}
        rng = np.random.default_rng(0)
        for k, p in model.named_parameters():
            if k in inits and p.grad is not None:
                g = p.grad.numpy().reshape(-1)
                if g.size > SAMPLE:
                    # Large tensors: a seeded sample of positions keeps the fixture small.
                    idx = np.sort(rng.choice(g.size, SAMPLE, replace=False)).astype(np.int64)
                    arrays["index." + k] = idx
                    g = g[idx]
                arrays["grad." + k] = g
        for k, b in model.named_buffers():
            if k in inits and "running" in k:
                arrays["state." + k] = b.numpy()
        np.savez(os.path.join(out, name + "_grads.npz"), **arrays)
        print(f"{name}: loss {loss.item():.6f}, {sum(1 for k in arrays if k.startswith('grad.'))} gradients")


if __name__ == "__main__":
    main()
