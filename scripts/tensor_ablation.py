#!/usr/bin/env python3
"""Which tensor's quantization moves a model's output: encode and decode one of the
third-party models (scripts/third_party_models.py, same seeded inputs), then put the decoded
value of one tensor at a time into the original graph and rank the tensors by the output
change they cause alone. With --logits, the output is read before the model's final Sigmoid
(a saturated sigmoid turns small logit errors into huge relative errors).

  tensor_ablation.py NNCODEC_BINARY MODEL_DIR NAME_PART [--logits] [--top N] -- ENCODE_ARGS...
  e.g. tensor_ablation.py .build/debug/nncodec /tmp/nncodec-third-party det_small --logits -- -q 8 --dq
"""
import argparse, subprocess, sys, tempfile
from pathlib import Path
import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests/python"))
from third_party_models import MODELS  # noqa: E402
from realworld import stored_tensors, with_tensors  # noqa: E402


def before_sigmoid(src, dst):
    """A copy of the model whose first output is the input of the Sigmoid producing output 0."""
    m = onnx.load(str(src))
    producer = {o: n for n in m.graph.node for o in n.output}
    name = m.graph.output[0].name
    while name in producer and producer[name].op_type != "Sigmoid":
        name = producer[name].input[0]
    if name not in producer:
        sys.exit(f"{src}: no Sigmoid produces output 0")
    m.graph.output.insert(0, onnx.helper.make_tensor_value_info(producer[name].input[0], onnx.TensorProto.FLOAT, None))
    onnx.save(m, str(dst))
    return dst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary"); ap.add_argument("root", type=Path); ap.add_argument("name")
    ap.add_argument("--logits", action="store_true"); ap.add_argument("--top", type=int, default=10)
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    a, encode = ap.parse_args(argv[:cut]), argv[cut + 1:]
    rel, feeds = next((r, f) for r, f in MODELS.items() if a.name in r)
    src = a.root / rel
    with tempfile.TemporaryDirectory() as t:
        d = Path(t)
        args = encode
        subprocess.run([a.binary, "encode", src, *args, "-o", d / "m.nnc"], check=True, capture_output=True)
        subprocess.run([a.binary, "decode", d / "m.nnc", "-o", d / "m.onnx"], check=True, capture_output=True)
        probe = before_sigmoid(src, d / "logits.onnx") if a.logits else src
        run = lambda p: ort.InferenceSession(str(p), providers=["CPUExecutionProvider"]).run(None, feeds)[0]
        original, decoded = stored_tensors(src), stored_tensors(d / "m.onnx")
        changed = {k: v for k, v in decoded.items() if k in original and not np.array_equal(original[k], v)}
        ref = run(probe)
        every = run(with_tensors(probe, changed, d / "all.onnx")) - ref
        print(f"{src.name} {' '.join(args)}: all {len(changed)} decoded tensors: max |Δ| {np.abs(every).max():.3g}, mean Δ {every.mean():+.3g}")
        rows = []
        for k, v in changed.items():
            delta = run(with_tensors(probe, {k: v}, d / "one.onnx")) - ref
            w = original[k]
            rows.append((float(np.abs(delta).max()), float(delta.mean()), k, w.shape, float(np.abs(w).max()), float((v == 0).mean())))
        for r in sorted(rows, reverse=True)[:a.top]:
            print("  max |Δ| %.3g  mean Δ %+.3g  %s %s  max|w| %.3g  zero after decoding %.0f%%" % (*r[:5], 100 * r[5]))


if __name__ == "__main__":
    main()
