#!/usr/bin/env python3
"""Where the engine loses against onnxruntime, per operator kind and shape class.

Runs one model in both engines, interleaved: onnxruntime with its own per-node profiler
(SessionOptions.enable_profiling, JSON of per-node kernel durations) and runtime-bench's
`nodes NAME 1` (Session.profile). Each node's time is the median over the repetitions (after
one warm-up run each); nodes are summed per class and the table gives milliseconds per batch
and the speed ratio ORT time / our time (below 1: we are slower).

Classes: Conv by kind — depthwise k×k sS, grouped k×k sS, 1×1 sS by output map size, other
k×k sS — and every other operator by its type. Fusions differ: our fused chains (BN, residual
Add, activation, SiLU) count under their Conv, onnxruntime's NCHWc Conv fuses BN, Add and
Relu/Clip but leaves Sigmoid and Mul separate and adds layout reorders (`Reorder*`).

  compare_op_profile.py --bin runtime-bench --model NAME=MODEL.onnx[@BATCH] [...]
                        [--reps 3] [--threads 2] [--work DIR] [--markdown]"""
import argparse, collections, json, os, statistics, subprocess, sys, time
import numpy as np
import onnx
import onnxruntime as ort
from bench_models import parse_spec


def conv_class(x, w, y):
    """Shape class of a Conv from its input, weight and output shapes (NCHW)."""
    if len(x) != 4 or len(w) != 4 or len(y) != 4:
        return "Conv (other rank)"
    c, k, groups = x[1], w[2], x[1] // max(w[1], 1)
    stride = max(1, round(x[2] / y[2])) if y[2] else 1
    kk = f"{k}×{w[3]} s{stride}"
    if groups > 1:
        return ("dw " if w[1] == 1 and groups == c else "grouped ") + kk
    if k == 1 and w[3] == 1:
        return f"1×1 s{stride} @{y[2]}×{y[3]}"
    return kk


def inferred_shapes(model, batch):
    """Value name → shape of the model with the batch axis set (onnx shape inference)."""
    m = onnx.load(model)
    inits = {i.name: list(i.dims) for i in m.graph.initializer}
    for i in m.graph.input:
        if i.name not in inits:
            i.type.tensor_type.shape.dim[0].dim_value = batch
    m = onnx.shape_inference.infer_shapes(m)
    shapes = dict(inits)
    for v in list(m.graph.input) + list(m.graph.value_info) + list(m.graph.output):
        shapes[v.name] = [d.dim_value for d in v.type.tensor_type.shape.dim]
    return m, shapes


def our_classes(model, batch):
    """Node name → class for our profile (our names: the node's name, else op_index)."""
    m, shapes = inferred_shapes(model, batch)
    out = {}
    for i, n in enumerate(m.graph.node):
        name = n.name or f"{n.op_type}_{i}"
        if n.op_type == "Conv":
            out[name] = conv_class(shapes.get(n.input[0], []), shapes.get(n.input[1], []), shapes.get(n.output[0], []))
        else:
            out[name] = n.op_type
    return out


def ort_class(e):
    a = e["args"]
    op = a.get("op_name", "?")
    if op in ("Conv", "FusedConv"):
        ins = [list(d.values())[0] for d in a.get("input_type_shape", [])]
        outs = [list(d.values())[0] for d in a.get("output_type_shape", [])]
        if len(ins) >= 2 and outs:
            return conv_class(ins[0], ins[1], outs[0])
    return op


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--model", action="append", required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", default="/tmp/nncodec-op-profile")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    p = subprocess.Popen([a.bin], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def ask(line):
        p.stdin.write(line + "\n"); p.stdin.flush()
        r = p.stdout.readline().rstrip("\n")
        if not r or r.startswith("error"):
            sys.exit(f"runtime-bench: {line!r} -> {r!r}")
        return r

    for spec in a.model:
        name, path, batch = parse_spec(spec)
        so = ort.SessionOptions()
        so.intra_op_num_threads = a.threads
        so.enable_profiling = True
        so.profile_file_prefix = os.path.join(a.work, name)
        s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        inp = s.get_inputs()[0]
        shape = [d if isinstance(d, int) and d > 0 else batch for d in inp.shape]
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        xp = os.path.join(a.work, f"{name}_x.npy"); np.save(xp, x)
        ask(f"load {name} {path} {inp.name} {xp}")
        s.run(None, {inp.name: x})
        time.sleep(0.3)
        ours = collections.defaultdict(list)
        for rep in range(a.reps):
            f = ask(f"nodes {name} 1").split("\t")
            for i in range(0, len(f) - 2, 3):
                ours[f[i]].append(float(f[i + 2]) * 1e3)
            s.run(None, {inp.name: x})
            time.sleep(0.3)  # onnxruntime's pool threads spin on after a run; let them stop
        events = [e for e in json.load(open(s.end_profiling()))
                  if e.get("cat") == "Node" and e["name"].endswith("_kernel_time")]
        per_run = len(events) // (a.reps + 1)
        theirs = collections.defaultdict(list)
        for e in events[per_run:]:
            theirs[(e["name"], ort_class(e))].append(e["dur"] / 1e3)
        cls = our_classes(path, batch)
        tot_o, tot_t = collections.Counter(), collections.Counter()
        for node, ms in ours.items():
            tot_o[cls.get(node, node)] += statistics.median(ms)
        for (node, c), ms in theirs.items():
            tot_t[c] += statistics.median(ms)
        print(f"\n{name} (batch {batch}, ms per batch, median of {a.reps} interleaved runs; "
              f"ours {sum(tot_o.values()):.0f} ms, ORT {sum(tot_t.values()):.0f} ms; "
              f"load average {os.getloadavg()[0]:.2f})\n")
        print("| class | ours ms | ORT ms | ORT/ours (speed) | ours − ORT ms |")
        print("| --- | ---: | ---: | ---: | ---: |")
        keys = sorted(set(tot_o) | set(tot_t), key=lambda k: -(tot_o[k] - tot_t[k]))
        for k in keys:
            o, t = tot_o[k], tot_t[k]
            r = f"{t / o:.2f}" if o > 0 and t > 0 else "–"
            print(f"| {k} | {o:.1f} | {t:.1f} | {r} | {o - t:+.1f} |")
    p.stdin.write("quit\n"); p.stdin.flush(); p.wait()


if __name__ == "__main__":
    main()
