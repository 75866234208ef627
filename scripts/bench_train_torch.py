#!/usr/bin/env python3
"""PyTorch CPU side of scripts/bench-train.sh: the same model (weights from the ONNX file),
data, batch size and optimizer as `nncodec finetune`, two threads; prints JSON with the
training samples per second (forward, backward, SGD step; data loading excluded)."""
import json
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import make_testdata as mt  # noqa: E402


def main():
    name, data, labels, epochs, batch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(2)
    ctor = {"lenet300": mt.LeNet300, "lenet5": mt.LeNet5, "resnet_small": mt.ResNetSmall, "concat_dw": mt.ConcatDW}[name]
    model = ctor()
    inits = {t.name: numpy_helper.to_array(t) for t in onnx.load(os.path.join(here, "..", "testdata", name + ".onnx")).graph.initializer}
    model.load_state_dict({k: torch.from_numpy(inits[k].copy()) if k in inits else v for k, v in model.state_dict().items()})
    model.train()
    x = torch.from_numpy(np.load(data).astype(np.float32))
    y = torch.from_numpy(np.load(labels).astype(np.int64))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    g = torch.Generator().manual_seed(0)
    samples, t0 = 0, time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=g)
        for s in range(0, len(x), batch):
            idx = order[s:s + batch]
            opt.zero_grad()
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            samples += len(idx)
    dt = time.perf_counter() - t0
    print(json.dumps({"model": name, "samples_per_second": samples / dt, "seconds": dt, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
