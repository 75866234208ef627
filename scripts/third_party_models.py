#!/usr/bin/env python3
"""The codec flow on ONNX models that third-party pip packages ship ready-made (not exported
by us): PP-OCR text detection, recognition and direction classification converted by
Paddle2ONNX (inside the `rapidocr` wheel) and Silero VAD exported by torch.onnx (inside the
`silero-vad` wheel). For each: `info` counts every stored weight; encode/decode at -q 15 and
-q 8 --dq; onnx.checker; decoded tensors on the quantizer lattice; onnxruntime on the
decoded model equals onnxruntime on the original graph with the dequantized weights (1e-4);
the output error vs the original; `nncodec run` of the decoded model vs onnxruntime.

  third_party_models.py NNCODEC_BINARY MODEL_DIR [NAME_PART ...]     (scripts/third-party-models.sh)
"""
import json, subprocess, sys, tempfile
from pathlib import Path
import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests/python"))
from realworld import check_dequantized, relative_error, shuffled_deltas, stored_tensors, with_tensors  # noqa: E402

RNG = np.random.default_rng(0)
MODELS = {  # file under MODEL_DIR → inputs (seeded); shapes the models' dynamic dims allow
    "rapidocr/models/ch_ppocr_mobile_v2.0_cls_mobile.onnx": {"x": RNG.random((2, 3, 48, 192), np.float32)},
    "rapidocr/models/PP-OCRv6_det_small.onnx": {"x": RNG.random((1, 3, 96, 128), np.float32)},
    "rapidocr/models/PP-OCRv6_rec_small.onnx": {"x": RNG.random((1, 3, 48, 160), np.float32)},
    "silero_vad/data/silero_vad_16k_op15.onnx": {"input": RNG.standard_normal((1, 512)).astype(np.float32) * 0.1,
                                                "state": np.zeros((2, 1, 128), np.float32),
                                                "sr": np.array(16000, np.int64)},
}


def nncodec(binary, *args):
    r = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"nncodec {args[0]}: {r.stderr.strip()}")
    return r.stdout


def ort_run(path, feeds):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds)


def flow(binary, src, feeds, d):
    info = json.loads(nncodec(binary, "info", src, "--json"))
    stored = sum(a.size for a in stored_tensors(src).values())
    line = [f"{src.name}: {info['parameters']:,} parameters (stored float {stored:,})"]
    ref = ort_run(src, feeds)
    for q, dq in (("15", False), ("8", True)):
        nnc, out = d / f"q{q}.nnc", d / f"q{q}.onnx"
        enc = json.loads(nncodec(binary, "encode", src, "-q", q, "-o", nnc, "--json", *(["--dq"] if dq else [])))
        nncodec(binary, "decode", nnc, "-o", out, "--force")
        onnx.checker.check_model(str(out), full_check=True)
        original, decoded = stored_tensors(src), stored_tensors(out)
        deltas = check_dequantized(original, decoded, enc["report"], dq)
        got = ort_run(out, feeds)
        deq = ort_run(with_tensors(src, {k: decoded[k] for k in deltas}, d / "deq.onnx"), feeds)
        same = max(relative_error(a, b) for a, b in zip(deq, got))
        err = max(relative_error(a, b) for a, b in zip(ref, got))
        probe = ort_run(with_tensors(src, {k: original[k] + e for k, e in shuffled_deltas(deltas).items()}, d / "probe.onnx"), feeds)
        sens = max(relative_error(a, b) for a, b in zip(ref, probe))
        line.append(f"  -q {q}{' --dq' if dq else ''}: stream {enc['bitstreamBytes']:,} B = "
                    f"{enc['bitstreamBytes'] / src.stat().st_size:.3f} of the .onnx; checker ok; "
                    f"vs dequantized-weights ORT {same:.1e}; output error vs original {err:.2e} "
                    f"(permuted-error probe {sens:.2e}; max |output| {max(float(abs(a).max()) for a in ref):.3g})")
        assert same <= 1e-4
    for name, a in feeds.items():
        np.save(d / f"{name}.npy", a)
    nncodec(binary, "run", d / "q15.onnx", *[x for n in feeds for x in ("--data", f"{n}={d / (n + '.npy')}")],
            "-o", d / "ours.npz", "--force")
    ours = np.load(d / "ours.npz")
    theirs = ort_run(d / "q15.onnx", feeds)
    names = [o.name for o in onnx.load(str(src)).graph.output]
    line.append("  nncodec run (decoded q15) vs onnxruntime: " +
                ", ".join(f"{n} {relative_error(t, ours[n]):.1e}" for n, t in zip(names, theirs)))
    return "\n".join(line)


def main():
    binary, root, only = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
    failures = 0
    for rel, feeds in MODELS.items():
        if only and not any(o in rel for o in only):
            continue
        with tempfile.TemporaryDirectory() as d:
            try:
                print(flow(binary, root / rel, feeds, Path(d)), flush=True)
            except Exception as e:  # report and go on to the next model
                failures += 1
                print(f"FAIL {rel}: {type(e).__name__}: {e}", flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
