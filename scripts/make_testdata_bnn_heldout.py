"""Held-out binary networks (issue 12): make_testdata_bnn.py's networks, trained with the same
recipe on the training rows of the library's seeded validation split only.

Run:  /opt/nnc-ref/bin/python scripts/make_testdata_bnn.py --heldout [--out testdata]

`nncodec prune --val-split 0.3 --seed 0` validates on the rows `SeededSplit.rows(count: 1347,
validationFraction: 0.3, seed: 0)` picks from digits_train_x28.npy; `seeded_split_rows` below is
the same rule (SplitMix64, Fisher-Yates from the last index, the first round(n * f) of the
permutation validate). The networks here never see those rows, so validation top-1 during
pruning is out-of-sample. Writes bnn_*_heldout.onnx and bnn_heldout_val_rows.npy, adds them to
manifest.json under "binary_heldout_models" and rewrites the "Held-out binary networks"
section of README.md. Every other file is left as it is.
"""
import json
import math
import os
import sys

import numpy as np
import torch

import make_testdata as mt

FRACTION, SEED = 0.3, 0
MASK = (1 << 64) - 1
BEGIN, END = "<!-- held-out binary networks: begin -->", "<!-- held-out binary networks: end -->"


def splitmix64(seed):
    state = seed & MASK
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        yield z ^ (z >> 31)


def seeded_split_rows(count, fraction, seed):
    """(train rows, validation rows), both ascending: Tensors/SeededSplit.rows."""
    perm = list(range(count))
    rng = splitmix64(seed)
    for i in range(count - 1, 0, -1):
        j = next(rng) % (i + 1)
        perm[i], perm[j] = perm[j], perm[i]
    nv = min(count, max(1, int(math.floor(count * fraction + 0.5))))  # Swift .rounded(): half away from 0
    return sorted(perm[nv:]), sorted(perm[:nv])


def main(out, bnn):
    mt.set_determinism()
    data, ytr, yte = mt.make_data()
    xtr, xte = data[28]["train"], data[28]["test"]
    train_rows, val_rows = seeded_split_rows(len(ytr), FRACTION, SEED)
    rows_path = os.path.join(out, "bnn_heldout_val_rows.npy")
    np.save(rows_path, np.asarray(val_rows, dtype=np.int64))
    idx = torch.tensor(train_rows, dtype=torch.long)
    xfit, yfit = xtr[idx].contiguous(), ytr[idx].contiguous()
    xval, yval = xtr[torch.tensor(val_rows)], ytr[torch.tensor(val_rows)]
    entries = []
    for name, ctor, epochs, lr, what in bnn.SPECS:
        mt.set_determinism()
        bnn.EXPORTING = False
        model = ctor()
        loss = bnn.train_bnn(model, xfit, yfit, epochs, lr)
        acc_val = mt.torch_top1(model, xval, yval)
        path = os.path.join(out, name + "_heldout.onnx")
        bnn.EXPORTING = True
        mt.export(model, xte[:1], path, "input")
        logits = mt.check_and_run(path, xte.numpy())
        bnn.EXPORTING = False
        acc = float((logits.argmax(1) == yte.numpy()).mean())
        print(f"{name}_heldout: train_loss={loss:.4f} val_top1={acc_val:.4f} ort_test_top1={acc:.4f}",
              file=sys.stderr)
        entries.append(dict(
            name=name + "_heldout", file=name + "_heldout.onnx", what=what, trained_rows=len(train_rows),
            validation_rows_file="bnn_heldout_val_rows.npy", split=dict(fraction=FRACTION, seed=SEED),
            params=mt.n_params(model), binary_weights=bnn.binary_weights(path), epochs=epochs, lr=lr,
            ort_top1=acc, heldout_val_top1=acc_val, bytes=os.path.getsize(path), sha256=mt.sha256(path)))
    mt.set_manifest_entry(os.path.join(out, "manifest.json"), "binary_heldout_models", entries)
    write_readme_section(out, entries, len(train_rows), len(val_rows))


def write_readme_section(out, entries, n_train, n_val):
    L = [BEGIN, "## Held-out binary networks (issue 12)",
         "Made by `scripts/make_testdata_bnn.py --heldout` (module `make_testdata_bnn_heldout.py`), listed "
         "under `binary_heldout_models` in manifest.json. The networks and recipe of the section above, "
         "trained on the %d training rows of the library's seeded split of digits_train (`SeededSplit.rows`, "
         "fraction 0.3, seed 0 = `prune --val-split 0.3 --seed 0`) only; the %d validation rows, ascending, "
         "are `bnn_heldout_val_rows.npy` (int64). Validation top-1 is on those rows (never trained on)." % (n_train, n_val),
         "", "| file | params | binary weights | bytes | val top-1 (torch, held out) | top-1 (ORT, test) |",
         "|---|---:|---:|---:|---:|---:|"]
    for e in entries:
        L.append("| `%s` | %d | %d | %d | %.4f | %.4f |" % (e["file"], e["params"], e["binary_weights"], e["bytes"],
                                                           e["heldout_val_top1"], e["ort_top1"]))
    L.append(END)
    mt.replace_marked_section(os.path.join(out, "README.md"), BEGIN, END, L)
