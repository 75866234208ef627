#!/usr/bin/env python3
"""Generate nncodec's small, real test models and data into testdata/.

Run with the reference python (see scripts/make-testdata.sh):
    /opt/nnc-ref/bin/python scripts/make_testdata.py [--out testdata]

Data: scikit-learn's bundled `load_digits` (1797 real 8x8 handwritten digits,
pixel values 0..16).  Split: 75 % train / 25 % test, stratified,
random_state=0 (sklearn.model_selection.train_test_split) -> 450 test images.
Preprocessing (identical for train and test):
  1. divide by 16 -> [0, 1]
  2. upsample 8x8 -> 28x28 with torch bilinear interpolation,
     align_corners=False, antialias=False
  3. standardise with the scalar mean/std of the upsampled *train* split

Every model is trained on the train split only, exported with the TorchScript
exporter (dynamo=False), opset 17, dynamic batch axis, then checked with
onnx.checker.check_model(full_check=True) and evaluated with onnxruntime on the
test split.  Results go to testdata/manifest.json and testdata/README.md.

Everything is deterministic: fixed seeds, torch.use_deterministic_algorithms,
one thread.
"""
import argparse
import hashlib
import json
import os
import random
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import onnx
import onnxruntime as ort
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

SEED = 0
OPSET = 17
N_CALIB = 600


def set_determinism():
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.use_deterministic_algorithms(True)


# ---------------------------------------------------------------- data

def make_data():
    d = load_digits()
    x = d.images.astype(np.float32) / 16.0          # N x 8 x 8 in [0, 1]
    y = d.target.astype(np.int64)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, stratify=y,
                                          random_state=SEED)

    def up(a, size):
        t = torch.from_numpy(a).unsqueeze(1)          # N x 1 x 8 x 8
        return F.interpolate(t, size=(size, size), mode="bilinear",
                             align_corners=False, antialias=False)

    out = {}
    for size in (28,):
        tr, te = up(xtr, size), up(xte, size)
        mean, std = tr.mean().item(), tr.std().item()
        tr, te = (tr - mean) / std, (te - mean) / std
        if size == 32:
            tr, te = tr.repeat(1, 3, 1, 1), te.repeat(1, 3, 1, 1)
        out[size] = dict(train=tr.contiguous(), test=te.contiguous(),
                         mean=mean, std=std)
    return out, torch.from_numpy(ytr), torch.from_numpy(yte)


# ---------------------------------------------------------------- models

class LeNet300(nn.Module):
    """LeNet-300-100: 784-300-100-10 with ReLU; Flatten as first node."""

    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 300)
        self.fc2 = nn.Linear(300, 100)
        self.fc3 = nn.Linear(100, 10)

    def forward(self, x):
        x = self.flatten(x)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class LeNet5(nn.Module):
    """LeNet-5 (Caffe variant used by LOBSTER / SeReNe):
    conv5x5x20 - ReLU - maxpool2 - conv5x5x50 - ReLU - maxpool2 - fc500 - ReLU - fc10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)
        self.conv2 = nn.Conv2d(20, 50, 5)
        self.fc1 = nn.Linear(800, 500)
        self.fc2 = nn.Linear(500, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        sc = x if self.shortcut is None else self.shortcut(x)
        return F.relu(out + sc)


class ResNetSmall(nn.Module):
    """CIFAR-style ResNet-8 (1-channel 28x28 digits input): stem 3x3/16, stages 16/32/64 (one BasicBlock each,
    stride 1/2/2, 1x1 conv + BN downsampling shortcuts), global avg pool, fc."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = BasicBlock(16, 16, 1)
        self.layer2 = BasicBlock(16, 32, 2)
        self.layer3 = BasicBlock(32, 64, 2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = torch.flatten(self.pool(x), 1)
        return self.fc(x)


class ConcatDW(nn.Module):
    """Stem conv, two parallel conv branches concatenated on the channel axis,
    depthwise conv (groups = channels) + BN + ReLU, pointwise conv, Flatten, Gemm."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 16, 3, 1, 1, bias=False)
        self.stem_bn = nn.BatchNorm2d(16)
        self.branch_a = nn.Conv2d(16, 16, 3, 1, 1)
        self.branch_b = nn.Conv2d(16, 8, 1)
        self.dw = nn.Conv2d(24, 24, 3, 1, 1, groups=24, bias=False)
        self.dw_bn = nn.BatchNorm2d(24)
        self.pw = nn.Conv2d(24, 16, 1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.stem_bn(self.stem(x))), 2)        # 16x14x14
        x = torch.cat([F.relu(self.branch_a(x)), F.relu(self.branch_b(x))], 1)  # 24x14x14
        x = F.relu(self.dw_bn(self.dw(x)))
        x = F.max_pool2d(F.relu(self.pw(x)), 2)                           # 16x7x7
        return self.fc(self.flatten(x))


class EncoderLayer(nn.Module):
    def __init__(self, hidden, heads, inter, seq):
        super().__init__()
        self.heads, self.dh, self.seq = heads, hidden // heads, seq
        self.q = nn.Linear(hidden, hidden)
        self.k = nn.Linear(hidden, hidden)
        self.v = nn.Linear(hidden, hidden)
        self.attn_out = nn.Linear(hidden, hidden)
        self.ln1 = nn.LayerNorm(hidden, eps=1e-12)
        self.inter = nn.Linear(hidden, inter)
        self.act = nn.GELU()                     # exact (erf) form
        self.out = nn.Linear(inter, hidden)
        self.ln2 = nn.LayerNorm(hidden, eps=1e-12)

    def split(self, t):                          # B x S x H -> B x h x S x dh
        return t.reshape(-1, self.seq, self.heads, self.dh).transpose(1, 2)

    def forward(self, x):
        q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / float(np.sqrt(self.dh))
        probs = torch.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).transpose(1, 2).reshape(-1, self.seq, self.heads * self.dh)
        x = self.ln1(x + self.attn_out(ctx))
        return self.ln2(x + self.out(self.act(self.inter(x))))


class TinyBert(nn.Module):
    """BERT-style encoder: word + position (+ token-type 0) embeddings, LayerNorm,
    2 post-LN encoder layers, classifier Linear over the first token (4 classes)."""

    def __init__(self, vocab=100, hidden=32, layers=2, heads=2, inter=64, seq=16,
                 num_classes=4):
        super().__init__()
        self.seq = seq
        self.word = nn.Embedding(vocab, hidden)
        self.pos = nn.Embedding(seq, hidden)
        self.emb_ln = nn.LayerNorm(hidden, eps=1e-12)
        self.layers = nn.ModuleList(
            [EncoderLayer(hidden, heads, inter, seq) for _ in range(layers)])
        self.classifier = nn.Linear(hidden, num_classes)
        self.register_buffer("pos_ids", torch.arange(seq).unsqueeze(0), persistent=False)
        for m in self.modules():                 # BERT-style init
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
                if isinstance(m, nn.Linear):
                    nn.init.zeros_(m.bias)

    def forward(self, input_ids):
        x = self.word(input_ids) + self.pos(self.pos_ids)
        x = self.emb_ln(x)
        for layer in self.layers:
            x = layer(x)
        return self.classifier(x[:, 0])


# ---------------------------------------------------------------- training

def train(model, xtr, ytr, epochs, lr, batch=64, weight_decay=0.0, after_step=None):
    """Adam with cosine decay over seeded batches; `after_step()` runs after each update."""
    g = torch.Generator().manual_seed(SEED)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    n = xtr.shape[0]
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=g)
        tot = 0.0
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
            if after_step is not None:
                after_step()
            tot += loss.item() * idx.numel()
        sched.step()
    model.eval()
    return tot / n


def torch_top1(model, x, y):
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


# ---------------------------------------------------------------- export

def export(model, example, path, input_name, output_name="logits"):
    model.eval()
    kwargs = dict(
        input_names=[input_name], output_names=[output_name],
        dynamic_axes={input_name: {0: "batch"}, output_name: {0: "batch"}},
        opset_version=OPSET,
        # EVAL + no constant folding: BatchNormalization stays a node.
        training=torch.onnx.TrainingMode.EVAL,
        do_constant_folding=False,
    )
    try:
        torch.onnx.export(model, (example,), path, dynamo=False, **kwargs)
    except TypeError:                            # torch without dynamo= kwarg
        torch.onnx.export(model, (example,), path, **kwargs)
    m = onnx.load(path)
    undo_initializer_dedup(m)
    # Initializers in torch state_dict order (anything else after, stable).
    order = {k: i for i, k in enumerate(model.state_dict().keys())}
    inits = sorted(m.graph.initializer, key=lambda t: order.get(t.name, len(order)))
    inits = [onnx.TensorProto.FromString(t.SerializeToString()) for t in inits]
    del m.graph.initializer[:]
    m.graph.initializer.extend(inits)
    # Drop the exporter's per-version metadata so output depends only on weights.
    m.producer_version = ""
    onnx.save_model(m, path)


def undo_initializer_dedup(m):
    """The TorchScript exporter merges initializers with identical values and
    re-creates the duplicates as `Identity(initializer)` nodes (e.g. all
    zero-initialised biases of tiny_bert, or the two BN biases feeding a
    residual Add, which get identical gradients).  Undo that so every torch
    parameter is exactly one initializer under its own name."""
    inits = {t.name: t for t in m.graph.initializer}
    keep = []
    for n in m.graph.node:
        if n.op_type == "Identity" and n.input[0] in inits:
            t = onnx.TensorProto()
            t.CopyFrom(inits[n.input[0]])
            t.name = n.output[0]
            m.graph.initializer.append(t)
        else:
            keep.append(n)
    del m.graph.node[:]
    m.graph.node.extend(keep)


def check_and_run(path, x):
    onnx.checker.check_model(path, full_check=True)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"],
                                sess_options=_ort_opts())
    name = sess.get_inputs()[0].name
    return sess.run(None, {name: x})[0]


def _ort_opts():
    o = ort.SessionOptions()
    o.intra_op_num_threads = 1
    o.inter_op_num_threads = 1
    return o


def op_types(path):
    m = onnx.load(path, load_external_data=False)
    return sorted({n.op_type for n in m.graph.node})


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def onnx_param_count(path):
    """Elements in all float initializers (weights + BN stats)."""
    m = onnx.load(path)
    tot = 0
    for t in m.graph.initializer:
        tot += int(np.prod(t.dims)) if len(t.dims) else 1
    return tot


def set_manifest_entry(path, key, value):
    """Sets one top-level key of testdata's manifest.json, keeping the others."""
    with open(path) as f:
        manifest = json.load(f)
    manifest[key] = value
    with open(path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


def replace_marked_section(path, begin, end, lines):
    """Replaces the text between the `begin` and `end` markers of `path` with `lines` (which
    carry the markers themselves), or appends them when the markers are not there yet."""
    text = open(path).read()
    if begin in text and end in text:
        text = text[:text.index(begin)] + "\n".join(lines) + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"
    with open(path, "w") as f:
        f.write(text)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "testdata"))
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    set_determinism()

    data, ytr, yte = make_data()
    x28tr, x28te = data[28]["train"], data[28]["test"]
    np.save(os.path.join(out, "digits_test_x28.npy"), x28te.numpy().astype(np.float32))
    np.save(os.path.join(out, "digits_test_y.npy"), yte.numpy().astype(np.int64))
    # Calibration split for training-free pruning (least-squares compensation): the first
    # N_CALIB images of the (already shuffled) train split, float16 to keep testdata small.
    np.save(os.path.join(out, "digits_calib_x28.npy"), x28tr[:N_CALIB].numpy().astype(np.float16))
    np.save(os.path.join(out, "digits_calib_y.npy"), ytr[:N_CALIB].numpy().astype(np.int64))
    # The whole train split (fine-tuning after pruning, training tests), float16.
    np.save(os.path.join(out, "digits_train_x28.npy"), x28tr.numpy().astype(np.float16))
    np.save(os.path.join(out, "digits_train_y.npy"), ytr.numpy().astype(np.int64))
    yte_np = yte.numpy()

    specs = [
        # name, ctor, train x, test x, data file, epochs, lr, weight decay
        ("lenet300", LeNet300, x28tr, x28te, "digits_test_x28.npy", 40, 1e-3, 0.0),
        ("lenet5", LeNet5, x28tr, x28te, "digits_test_x28.npy", 30, 1e-3, 0.0),
        ("resnet_small", ResNetSmall, x28tr, x28te, "digits_test_x28.npy", 15, 2e-3, 1e-4),
        ("concat_dw", ConcatDW, x28tr, x28te, "digits_test_x28.npy", 25, 2e-3, 0.0),
    ]
    manifest = {"description": "nncodec test models; generated by scripts/make_testdata.py",
                "dataset": {
                    "source": "sklearn.datasets.load_digits (1797 8x8 digits)",
                    "split": "train_test_split(test_size=0.25, stratify=y, random_state=0)",
                    "n_test": int(len(yte_np)),
                    "n_train": int(len(ytr)),
                    "preprocessing": "x/16 -> bilinear upsample (align_corners=False) -> (x-mean)/std with train-split scalar mean/std",
                    "x28_mean": data[28]["mean"], "x28_std": data[28]["std"],
                    "labels": "digits_test_y.npy",
                    "calibration": "digits_calib_x28.npy (float16) / digits_calib_y.npy: the first %d images of the train split" % N_CALIB,
                    "train": "digits_train_x28.npy (float16) / digits_train_y.npy: the whole train split (%d images)" % len(ytr),
                },
                "models": []}

    for name, ctor, xtr, xte, dfile, epochs, lr, wd in specs:
        set_determinism()
        model = ctor()
        loss = train(model, xtr, ytr, epochs, lr, weight_decay=wd)
        acc_t = torch_top1(model, xte, yte)
        path = os.path.join(out, name + ".onnx")
        export(model, xte[:1], path, "input")
        logits = check_and_run(path, xte.numpy())
        with torch.no_grad():
            ref = model(xte).numpy()
        maxdiff = float(np.abs(logits - ref).max())
        acc = float((logits.argmax(1) == yte_np).mean())
        print(f"{name}: params={n_params(model)} train_loss={loss:.4f} "
              f"torch_top1={acc_t:.4f} ort_top1={acc:.4f} max|ort-torch|={maxdiff:.2e}",
              file=sys.stderr)
        np.save(os.path.join(out, name + "_ort_logits.npy"), logits.astype(np.float32))
        manifest["models"].append(dict(
            name=name, file=name + ".onnx", external_data=None,
            input_name="input", input_shape=["N"] + list(xte.shape[1:]),
            input_dtype="float32", output_name="logits",
            data_file=dfile, labels_file="digits_test_y.npy",
            reference_logits_file=name + "_ort_logits.npy",
            params=n_params(model), onnx_initializer_elements=onnx_param_count(path),
            ort_top1=acc, torch_top1=acc_t, op_types=op_types(path)))

        if name == "lenet300":
            # Same model, weights in one external data file.
            m = onnx.load(path)
            ext = os.path.join(out, "lenet300_ext.onnx")
            loc = "lenet300_ext.onnx.data"
            if os.path.exists(os.path.join(out, loc)):
                os.remove(os.path.join(out, loc))
            onnx.save_model(m, ext, save_as_external_data=True,
                            all_tensors_to_one_file=True, location=loc,
                            size_threshold=1024)
            logits_e = check_and_run(ext, xte.numpy())
            assert np.array_equal(logits_e, logits)
            acc_e = float((logits_e.argmax(1) == yte_np).mean())
            manifest["models"].append(dict(
                name="lenet300_ext", file="lenet300_ext.onnx", external_data=loc,
                input_name="input", input_shape=["N"] + list(xte.shape[1:]),
                input_dtype="float32", output_name="logits",
                data_file=dfile, labels_file="digits_test_y.npy",
                reference_logits_file="lenet300_ort_logits.npy",
                params=n_params(model), onnx_initializer_elements=onnx_param_count(ext),
                ort_top1=acc_e, torch_top1=acc_t, op_types=op_types(ext)))

    # Tiny BERT: random init, no training; reference logits instead of accuracy.
    set_determinism()
    bert = TinyBert().eval()
    g = torch.Generator().manual_seed(SEED)
    ids = torch.randint(0, 100, (32, 16), generator=g, dtype=torch.int64)
    np.save(os.path.join(out, "tiny_bert_input_ids.npy"), ids.numpy())
    path = os.path.join(out, "tiny_bert.onnx")
    export(bert, ids[:1], path, "input_ids")
    logits = check_and_run(path, ids.numpy())
    with torch.no_grad():
        ref = bert(ids).numpy()
    maxdiff = float(np.abs(logits - ref).max())
    print(f"tiny_bert: params={n_params(bert)} max|ort-torch|={maxdiff:.2e}", file=sys.stderr)
    np.save(os.path.join(out, "tiny_bert_ort_logits.npy"), logits.astype(np.float32))
    manifest["models"].append(dict(
        name="tiny_bert", file="tiny_bert.onnx", external_data=None,
        input_name="input_ids", input_shape=["N", 16], input_dtype="int64",
        output_name="logits", data_file="tiny_bert_input_ids.npy", labels_file=None,
        reference_logits_file="tiny_bert_ort_logits.npy",
        params=n_params(bert), onnx_initializer_elements=onnx_param_count(path),
        ort_top1=None, torch_top1=None, op_types=op_types(path),
        note="randomly initialised (seed 0), untrained; no labels"))

    for m in manifest["models"]:
        m["bytes"] = os.path.getsize(os.path.join(out, m["file"]))
        if m["external_data"]:
            m["external_data_bytes"] = os.path.getsize(os.path.join(out, m["external_data"]))
        m["sha256"] = sha256(os.path.join(out, m["file"]))
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    write_readme(out, manifest)


def write_readme(out, manifest):
    def size(f):
        return os.path.getsize(os.path.join(out, f))

    ds = manifest["dataset"]
    n_train = ds["n_train"]
    L = ["# nncodec test data", "",
         "Generated, deterministically, by `scripts/make_testdata.py`. Regenerate everything with:",
         "", "```", "bash scripts/make-testdata.sh", "```", "",
         "(equivalently `$(bash /work/shared/tools/nnc-ref/setup.sh) scripts/make_testdata.py`). "
         "Machine-readable record: `manifest.json`.", "",
         "Data: %s, split `%s` (%d test images). Preprocessing: %s; "
         "28x28: mean %.6f, std %.6f. Every image model takes the same N x 1 x 28 x 28 input." % (
             ds["source"], ds["split"], ds["n_test"], ds["preprocessing"],
             ds["x28_mean"], ds["x28_std"]),
         "", "Top-1 is onnxruntime (CPU) on the 450-image test split. `params` counts trainable "
         "torch parameters; BatchNorm running mean/var are extra initializers (see "
         "`onnx_initializer_elements` in manifest.json). Each torch parameter / BN buffer is "
         "exactly one initializer under its torch name, in state_dict order (the exporter's "
         "merging of equal-valued initializers into `Identity` nodes is undone). Exported with "
         "the TorchScript exporter (`dynamo=False`), opset 17, `training=EVAL`, "
         "`do_constant_folding=False`, dynamic batch axis `batch`; so BatchNormalization "
         "stays a node and tiny_bert's 3-D Linear layers are `Transpose(weight)` + `MatMul` + "
         "`Add(bias, .)` on the torch-layout [out, in] weight.", "",
         "| file | what | params | bytes | top-1 (ORT) |",
         "|---|---|---:|---:|---:|"]
    what = {
        "lenet300": "LeNet-300-100 (Flatten, 784-300-100-10 Gemm+ReLU), input N x 1 x 28 x 28",
        "lenet300_ext": "same LeNet-300-100, weights in external data `lenet300_ext.onnx.data`",
        "lenet5": "LeNet-5 (Caffe/LOBSTER): conv5x5x20-pool-conv5x5x50-pool-fc500-fc10, input N x 1 x 28 x 28",
        "resnet_small": "CIFAR-style ResNet-8 (16/32/64, one BasicBlock per stage, BN nodes, 1x1 conv+BN shortcuts, GAP, fc), input N x 1 x 28 x 28",
        "concat_dw": "CNN with channel Concat of two conv branches, depthwise conv (group 24), BN, ReLU, Flatten, Gemm; input N x 1 x 28 x 28",
        "tiny_bert": "tiny BERT encoder (vocab 100, hidden 32, 2 layers, 2 heads, FFN 64, seq 16, LayerNorm, erf-GELU, 4-class head on token 0), random init, input `input_ids` int64 N x 16",
    }
    for m in manifest["models"]:
        acc = "n/a (untrained)" if m["ort_top1"] is None else "%.4f" % m["ort_top1"]
        b = "%d" % m["bytes"]
        if m["external_data"]:
            b += " + %d (.data)" % m["external_data_bytes"]
        L.append("| `%s` | %s | %d | %s | %s |" % (m["file"], what[m["name"]], m["params"], b, acc))
    if manifest["models"] and os.path.exists(os.path.join(out, "lenet300_ext.onnx.data")):
        L.append("| `lenet300_ext.onnx.data` | external tensor data of `lenet300_ext.onnx` | | %d | |"
                 % size("lenet300_ext.onnx.data"))
    L += ["| `digits_test_x28.npy` | float32 450 x 1 x 28 x 28 test images | | %d | |" % size("digits_test_x28.npy"),
          "| `digits_test_y.npy` | int64 450 test labels | | %d | |" % size("digits_test_y.npy"),
          "| `digits_calib_x28.npy` | float16 %d x 1 x 28 x 28 calibration images: the first %d of the train split (for pruning's least-squares compensation) | | %d | |"
          % (N_CALIB, N_CALIB, size("digits_calib_x28.npy")),
          "| `digits_calib_y.npy` | int64 %d calibration labels | | %d | |" % (N_CALIB, size("digits_calib_y.npy")),
          "| `digits_train_x28.npy` | float16 %d x 1 x 28 x 28: the whole train split (fine-tuning, training tests) | | %d | |"
          % (n_train, size("digits_train_x28.npy")),
          "| `digits_train_y.npy` | int64 %d train labels | | %d | |" % (n_train, size("digits_train_y.npy")),
          "| `tiny_bert_input_ids.npy` | int64 32 x 16 token ids in [0, 100), seed 0 | | %d | |" % size("tiny_bert_input_ids.npy")]
    for m in manifest["models"]:
        if m["name"] != "lenet300_ext":
            f = m["reference_logits_file"]
            L.append("| `%s` | float32 onnxruntime output of `%s` on its data file | | %d | |"
                     % (f, m["file"], size(f)))
    L += ["", "ONNX op types per model:", ""]
    for m in manifest["models"]:
        L.append("- `%s`: %s" % (m["file"], ", ".join(m["op_types"])))
    L.append("")
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(L))


if __name__ == "__main__":
    main()
