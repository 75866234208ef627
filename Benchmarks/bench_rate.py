#!/usr/bin/env python3
"""The smallest stream at a given accuracy, nncodec against NNCodec 2.1.3 in the same run.

  bench_rate.py NNCODEC OUT_DIR MODEL.onnx [MODEL.onnx ...]

Data: the 450 digits test images of testdata (none of them seen in training), split in two:
the first 225 validate (both searches choose on them), the last 225 are the test split,
only reported. Budget: validation top-1 at most 0.1 point below the original's.
NNCodec's best: the smallest stream over qp -60..-8 (density 2), DQ off and on, param_opt
on (its other defaults), whose decoded weights meet the budget; candidates are evaluated in
increasing size until one passes, which is the same as evaluating all of them. Above 5 M
parameters (the digit VGG-16) the grid is searched by bisection per DQ mode instead: the
coarsest qp that passes, assuming validation top-1 falls monotonically as qp coarsens
(about 14 encodes instead of 106); the row says which search it used.
nncodec: `encode --max-drop 0.1 --val-split 0.5 --choose-dq --no-topology` (the same stream form; DQ chosen by the search).
Top-1 by onnxruntime on both sides. Prints one JSON line per model and writes OUT_DIR/rate.json.
Run with /opt/nnc-ref/bin/python (numpy, onnx, onnxruntime, nncodec 2.1.3)."""
import contextlib, io, json, os, subprocess, sys, time
import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
X = np.load(os.path.join(ROOT, "testdata/digits_test_x28.npy")).astype(np.float32)
Y = np.load(os.path.join(ROOT, "testdata/digits_test_y.npy"))
VAL, TEST = slice(0, 225), slice(225, 450)
DROP = 0.1
BISECT_PARAMS = 5_000_000   # NNCodec's full grid on VGG-16 would take about 2 h here


def model_input(model, x):
    """The digits as the model takes them: 3 x 32 x 32 models (VGG-16) get them padded by 2
    and repeated over three channels."""
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim[1:]]
    return np.repeat(np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2))), 3, axis=1) if dims == [3, 32, 32] else x


def data_file(model, work):
    path = os.path.join(ROOT, "testdata/digits_test_x28.npy")
    x = model_input(model, X)
    if x is X:
        return path
    path = os.path.join(work, "digits_test_x32.npy")
    np.save(path, x)
    return path


def top1(model, weights, part):
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for t in m.graph.initializer:
        if t.name in weights:
            t.CopyFrom(numpy_helper.from_array(np.asarray(weights[t.name]).astype(numpy_helper.to_array(t).dtype), t.name))
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    s = ort.InferenceSession(m.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    x = model_input(model, X)[part]
    z = s.run(None, {s.get_inputs()[0].name: x})[0]
    return float((z.argmax(1) == Y[part]).mean())


def passes(value, base, n):
    return (base - value) * n <= DROP / 100 * n + 1e-9


def nnc_candidate(nnc, tensors, work, qp, dq):
    out = os.path.join(work, f"nnc_{dq}_{qp}.nnr")
    with contextlib.redirect_stdout(io.StringIO()):
        nnc.compress(tensors, bitstream_path=out, qp=qp, qp_density=2, nonweight_qp=-75, use_dq=bool(dq), param_opt=True)
    return (os.path.getsize(out), qp, dq, out)


def nncodec_best(model, path, work):
    """The full grid for models up to BISECT_PARAMS parameters; above, per DQ mode the
    coarsest passing qp by bisection (validation top-1 assumed monotone in qp)."""
    from nncodec.nnc import compression as nnc
    tensors = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer
               if numpy_helper.to_array(t).dtype == np.float32}
    if sum(v.size for v in tensors.values()) > BISECT_PARAMS:
        return nncodec_bisect(nnc, model, tensors, work)
    t0 = time.perf_counter()
    cands = [nnc_candidate(nnc, tensors, work, qp, dq) for dq in (0, 1) for qp in range(-60, -7)]
    encode_s = time.perf_counter() - t0
    base = top1(model, {}, VAL)
    evals = 0
    for size, qp, dq, out in sorted(cands):
        with contextlib.redirect_stdout(io.StringIO()):
            dec = nnc.decompress(out)
        evals += 1
        v = top1(model, dec, VAL)
        if passes(v, base, 225):
            return dict(bytes=size, qp=qp, dq=dq, val=v, test=top1(model, dec, TEST), encodes=len(cands),
                        evaluations=evals, seconds=time.perf_counter() - t0, encode_seconds=encode_s, search="grid")
    return None


def nncodec_bisect(nnc, model, tensors, work, modes=(0, 1)):
    t0 = time.perf_counter()
    base = top1(model, {}, VAL)
    memo, best = {}, None

    def probe(qp, dq):
        if (qp, dq) not in memo:
            size, _, _, out = nnc_candidate(nnc, tensors, work, qp, dq)
            with contextlib.redirect_stdout(io.StringIO()):
                dec = nnc.decompress(out)
            v = top1(model, dec, VAL)
            memo[(qp, dq)] = (passes(v, base, 225), size, v, dec)
            print(f"  NNCodec qp {qp} dq {dq}: {size:,} B, val {100 * v:.2f}%", file=sys.stderr, flush=True)
        return memo[(qp, dq)]

    for dq in modes:
        lo, hi = -60, -8                      # pass(lo) assumed; find the largest passing qp
        if not probe(lo, dq)[0]:
            continue
        if probe(hi, dq)[0]:
            lo = hi
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if probe(mid, dq)[0]:
                lo = mid
            else:
                hi = mid
        ok, size, v, dec = probe(lo, dq)
        if best is None or size < best["bytes"]:
            best = dict(bytes=size, qp=lo, dq=dq, val=v, test=top1(model, dec, TEST))
    if best:
        best.update(encodes=len(memo), evaluations=len(memo), seconds=time.perf_counter() - t0, search="bisection")
    return best


def ours(nncodec, model, path, work):
    out = os.path.join(work, "ours.nnc")
    t0 = time.perf_counter()
    r = subprocess.run([nncodec, "encode", path, "--data", data_file(model, work),
                        "--labels", os.path.join(ROOT, "testdata/digits_test_y.npy"), "--val-split", "0.5",
                        "--max-drop", str(DROP), "--choose-dq", "--no-topology", "--json", "--force", "-o", out],
                       capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if r.returncode != 0:
        return dict(error=r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "failed")
    rep = json.loads(r.stdout)
    a = rep["allocation"]
    from nncodec.nnc import compression as nnc
    with contextlib.redirect_stdout(io.StringIO()):
        dec = nnc.decompress(out)   # NNCodec decodes our per-tensor-qp stream
    return dict(bytes=os.path.getsize(out), val=top1(model, dec, VAL), test=top1(model, dec, TEST),
                evaluations=len(a["probes"]), table_encodes=a["tableEncodes"], seconds=seconds,
                search_seconds=a["seconds"], cost_ratio=a["seconds"] / max(1e-9, (a["meanEncodeSeconds"] + a["meanEvaluationSeconds"]) * len(a["probes"])),
                qps=sorted({t["qp"] for t in a["tensors"]}))


def main():
    nncodec, outdir, models = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(outdir, exist_ok=True)
    rows = []
    for path in models:
        model = onnx.load(path)
        work = os.path.join(outdir, os.path.basename(path).replace(".onnx", ""))
        os.makedirs(work, exist_ok=True)
        row = dict(model=os.path.basename(path), original_val=top1(model, {}, VAL), original_test=top1(model, {}, TEST))
        row["nncodec"] = ours(nncodec, model, path, work)
        cached = os.path.join(work, "nnc_ref.json")   # NNCodec's side does not depend on nncodec's build
        if os.path.exists(cached) and os.environ.get("RATE_BENCH_REUSE") == "1":
            row["nnc_ref"] = json.load(open(cached))
        else:
            row["nnc_ref"] = nncodec_best(model, path, work)
            json.dump(row["nnc_ref"], open(cached, "w"))
        if row["nnc_ref"] and "bytes" in row["nncodec"]:
            row["smaller"] = 1 - row["nncodec"]["bytes"] / row["nnc_ref"]["bytes"]
        print(json.dumps(row), flush=True)
        rows.append(row)
    with open(os.path.join(outdir, "rate.json"), "w") as f:
        json.dump(rows, f, indent=1)
    print(markdown(rows))


def markdown(rows):
    """The table of docs/rate-accuracy.md."""
    pct = lambda v: f"{100 * v:.2f}"
    out = ["| model | original top-1 val / test | NNCodec best: bytes (qp, DQ) | its top-1 val / test | nncodec: bytes | its top-1 val / test | smaller | our evaluations, table encodes, search s, × (encode + eval) per evaluation |",
           "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        n, o = r.get("nnc_ref"), r["nncodec"]
        how = ", bisection" if n and n.get("search") == "bisection" else ""
        ref = f"{n['bytes']:,} ({n['qp']}, {'on' if n['dq'] else 'off'}{how})" if n else "none meets the budget"
        reft = f"{pct(n['val'])} / {pct(n['test'])}" if n else ""
        if "bytes" in o:
            ours = f"{o['bytes']:,}"
            ourt = f"{pct(o['val'])} / {pct(o['test'])}"
            cost = f"{o['evaluations']}, {o['table_encodes']}, {o['search_seconds']:.1f}, {o['cost_ratio']:.2f}"
        else:
            ours, ourt, cost = o.get("error", "failed"), "", ""
        smaller = f"{100 * r['smaller']:.1f}%" if "smaller" in r else ""
        out.append(f"| {r['model']} | {pct(r['original_val'])} / {pct(r['original_test'])} | {ref} | {reft} | {ours} | {ourt} | {smaller} | {cost} |")
    return "\n".join(out)


if __name__ == "__main__":
    main()
