#!/usr/bin/env python3
"""Held-out LeNets (issue 11): make_testdata.py's LeNet-300 and LeNet-5, trained with their
original recipe on the training rows of the library's seeded validation split only.

Run:  /opt/nnc-ref/bin/python scripts/make_testdata_lenet_heldout.py [--out testdata]
(after make_testdata.py; scripts/make-testdata.sh runs it last).

`nncodec prune --val-split 0.2 --seed 0` (scripts/seed-reproduction.sh) validates on the rows
`SeededSplit.rows(count: 1347, validationFraction: 0.2, seed: 0)` picks from
digits_train_x28.npy; `seeded_split_rows` (make_testdata_bnn_heldout.py) is the same rule. The
networks here never see those rows, so validation top-1 during pruning is out-of-sample.
Writes lenet300_heldout.onnx, lenet5_heldout.onnx and lenet_heldout_val_rows.npy, adds them
to manifest.json under "lenet_heldout_models" and rewrites the "Held-out LeNets" section of
README.md. Every other file is left as it is.
"""
import argparse
import os
import sys

import numpy as np
import torch

import make_testdata as mt
from make_testdata_bnn_heldout import seeded_split_rows

FRACTION, SEED = 0.2, 0
ROWS_FILE = "lenet_heldout_val_rows.npy"
BEGIN, END = "<!-- held-out lenets: begin -->", "<!-- held-out lenets: end -->"
# name, constructor, epochs, lr, weight decay: the rows of make_testdata.py's specs.
SPECS = [("lenet300", mt.LeNet300, 40, 1e-3, 0.0), ("lenet5", mt.LeNet5, 30, 1e-3, 0.0)]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(here, "..", "testdata"))
    out = os.path.abspath(ap.parse_args().out)
    mt.set_determinism()
    data, ytr, yte = mt.make_data()
    xtr, xte = data[28]["train"], data[28]["test"]
    train_rows, val_rows = seeded_split_rows(len(ytr), FRACTION, SEED)
    np.save(os.path.join(out, ROWS_FILE), np.asarray(val_rows, dtype=np.int64))
    fit = torch.tensor(train_rows, dtype=torch.long)
    val = torch.tensor(val_rows, dtype=torch.long)
    xfit, yfit = xtr[fit].contiguous(), ytr[fit].contiguous()
    # Validation as prune reads it: the float16 training file's rows.
    xval = xtr[val].half().float()
    entries = []
    for name, ctor, epochs, lr, wd in SPECS:
        mt.set_determinism()
        model = ctor()
        loss = mt.train(model, xfit, yfit, epochs, lr, weight_decay=wd)
        acc_val = mt.torch_top1(model, xval, ytr[val])
        path = os.path.join(out, name + "_heldout.onnx")
        mt.export(model, xte[:1], path, "input")
        logits = mt.check_and_run(path, xte.numpy())
        acc = float((logits.argmax(1) == yte.numpy()).mean())
        print(f"{name}_heldout: train_loss={loss:.4f} val_top1={acc_val:.4f} ort_test_top1={acc:.4f}",
              file=sys.stderr)
        entries.append(dict(
            name=name + "_heldout", file=name + "_heldout.onnx", trained_rows=len(train_rows),
            validation_rows_file=ROWS_FILE, split=dict(fraction=FRACTION, seed=SEED),
            params=mt.n_params(model), epochs=epochs, lr=lr, weight_decay=wd,
            ort_top1=acc, heldout_val_top1=acc_val, bytes=os.path.getsize(path), sha256=mt.sha256(path)))
    mt.set_manifest_entry(os.path.join(out, "manifest.json"), "lenet_heldout_models", entries)
    write_readme_section(out, entries, len(train_rows), len(val_rows))


def write_readme_section(out, entries, n_train, n_val):
    L = [BEGIN, "## Held-out LeNets (issue 11)",
         "Made by `scripts/make_testdata_lenet_heldout.py`, listed under `lenet_heldout_models` in "
         "manifest.json. `lenet300.onnx` and `lenet5.onnx` of the first table, same recipe (Adam, cosine, "
         "batch 64, same epochs and seeding), trained on the %d training rows of the library's seeded split "
         "of digits_train (`SeededSplit.rows`, fraction 0.2, seed 0 = `prune --val-split 0.2 --seed 0`, the "
         "split of scripts/seed-reproduction.sh) only; the %d validation rows, ascending, are `%s` (int64). "
         "Validation top-1 is on those rows (never trained on)." % (n_train, n_val, ROWS_FILE),
         "", "| file | params | bytes | val top-1 (torch, held out) | top-1 (ORT, test) |",
         "|---|---:|---:|---:|---:|"]
    for e in entries:
        L.append("| `%s` | %d | %d | %.4f | %.4f |" % (e["file"], e["params"], e["bytes"], e["heldout_val_top1"],
                                                     e["ort_top1"]))
    L.append(END)
    mt.replace_marked_section(os.path.join(out, "README.md"), BEGIN, END, L)


if __name__ == "__main__":
    main()
