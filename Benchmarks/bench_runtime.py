#!/usr/bin/env python3
"""Throughput (samples/s at batch 64) of the nncodec Runtime against onnxruntime, measured
interleaved in one run: for each repetition and model, ours (the runtime-bench executable,
driven over a pipe) and onnxruntime (in this process) each run for SECONDS; the table gives
the medians over the repetitions and the ratio ours/ORT (median of the per-repetition
ratios, which are measured seconds apart and so share the machine's load).

  bench_runtime.py --bin PATH [--base-bin PATH] [--reps N] [--seconds S]
                   [--extra NAME=MODEL.onnx[@BATCH] ...] [--work DIR] [--profile] [--only NAME,...]
--base-bin: a second runtime-bench (an earlier build) measured in the same interleaving, for
before/after columns taken under the same load.
Extra models (VGG-16, torchvision exports) get a seeded random N(0,1) input of the model's
declared shape, the batch axis set to BATCH (default --batch)."""
import argparse, json, os, statistics, subprocess, sys, time
import numpy as np
import onnxruntime as ort
from bench_models import parse_spec, random_input

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
td = os.path.join(root, "testdata")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--base-bin", default="")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--extra", action="append", default=[])
    ap.add_argument("--work", default="/tmp/nncodec-bench")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)

    models = []  # (name, model path, input name, batch array)
    man = json.load(open(os.path.join(td, "manifest.json")))
    for m in man["models"]:
        x = np.load(os.path.join(td, m["data_file"]))[: a.batch]
        models.append((m["name"], os.path.join(td, m["file"]), m["input_name"], x))
    for e in a.extra:
        name, path, batch = parse_spec(e, a.batch)
        models.append((name, path) + random_input(path, batch))
    if a.only:
        keep = a.only.split(",")
        models = [m for m in models if m[0] in keep]

    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    def server(path):
        p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

        def ask(line):
            p.stdin.write(line + "\n"); p.stdin.flush()
            r = p.stdout.readline().strip()
            if not r or r.startswith("error"):
                sys.exit(f"runtime-bench {path}: {line!r} -> {r!r}")
            return r
        return p, ask

    proc, ask = server(a.bin)
    base = server(a.base_bin) if a.base_bin else None

    sessions, diffs = {}, {}
    for name, path, inp, x in models:
        s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        feed = {inp: x}
        ref = s.run(None, feed)[0]
        xp, rp = os.path.join(a.work, f"{name}_x.npy"), os.path.join(a.work, f"{name}_ref.npy")
        np.save(xp, x); np.save(rp, ref)
        r = ask(f"load {name} {path} {inp} {xp} {rp}")
        if base:
            base[1](f"load {name} {path} {inp} {xp} {rp}")
        diffs[name] = (float(r.split("maxdiff=")[1]), float(np.abs(ref).max()))
        sessions[name] = (s, feed, x.shape[0])

    def ort_bench(name):
        s, feed, _ = sessions[name]
        n = next(iter(feed.values())).shape[0]
        s.run(None, feed)
        runs, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < a.seconds or runs < 3:
            s.run(None, feed); runs += 1
        return runs * n / (time.perf_counter() - t0)

    ours = {m[0]: [] for m in models}; theirs = {m[0]: [] for m in models}; ratios = {m[0]: [] for m in models}
    before = {m[0]: [] for m in models}; bratios = {m[0]: [] for m in models}
    for rep in range(a.reps):
        for name, *_ in models:
            mine = lambda: float(ask(f"bench {name} {a.seconds}").split()[0])
            old = (lambda: float(base[1](f"bench {name} {a.seconds}").split()[0])) if base else (lambda: 0.0)
            if rep % 2 == 0:
                o = mine(); t = ort_bench(name); b = old()
            else:
                b = old(); t = ort_bench(name); o = mine()
            ours[name].append(o); theirs[name].append(t); ratios[name].append(o / t)
            before[name].append(b); bratios[name].append(b / t)
            extra = f"  before {b:10.0f} ({b / t:4.2f})" if base else ""
            print(f"  rep {rep + 1}/{a.reps} {name:14s} ours {o:10.0f}  ORT {t:10.0f}  ratio {o / t:5.2f}{extra}", file=sys.stderr, flush=True)

    if a.profile:
        for name, *_ in models:
            print(f"PROFILE {name}: {ask(f'profile {name} 5')}")
    for p in [proc] + ([base[0]] if base else []):
        p.stdin.write("quit\n"); p.stdin.flush(); p.wait()

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"\nbatch {a.batch} (torchvision models: their @BATCH), {a.reps} repetitions × {a.seconds:g} s per engine, interleaved; "
          f"onnxruntime {ort.__version__} intra_op_num_threads={a.threads}; {os.cpu_count()} cores ({cpu}); "
          f"load average {os.getloadavg()[0]:.2f}")
    print("\n| model | batch | ours (samples/s) | onnxruntime (samples/s) | ours/ORT (median of ratios) | range of ratios | ≥ 0.5× | max abs Δ vs ORT |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | :---: | ---: |")
    for name, *_ in models:
        r = statistics.median(ratios[name])
        d, sc = diffs[name]
        print(f"| {name} | {sessions[name][2]} | {statistics.median(ours[name]):,.0f} | {statistics.median(theirs[name]):,.0f} | {r:.2f} | "
              f"{min(ratios[name]):.2f}–{max(ratios[name]):.2f} | {'yes' if r >= 0.5 else 'no'} | {d:.1e} (of {sc:.1f}) |")
    if base:
        print("\nBefore (--base-bin) in the same interleaving:\n")
        print("| model | before (samples/s) | before/ORT (median of ratios) | after/before (median of ratios) |")
        print("| --- | ---: | ---: | ---: |")
        for name, *_ in models:
            ab = statistics.median(o / b for o, b in zip(ours[name], before[name]))
            print(f"| {name} | {statistics.median(before[name]):,.0f} | {statistics.median(bratios[name]):.2f} | {ab:.2f} |")

if __name__ == "__main__":
    main()
