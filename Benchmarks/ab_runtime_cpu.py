#!/usr/bin/env python3
"""A/B of runtime-bench builds in CPU seconds per batch (process CPU time, less sensitive to
other load than samples/s): each binary loads the same models and inputs, then
`cpu NAME RUNS` alternates between the binaries (order reversed every repetition); the table
gives the medians and first/other ratios (above 1: the other binary is faster).

  ab_runtime_cpu.py --bin BEFORE --bin AFTER [--bin ...] --model NAME=MODEL.onnx[@BATCH] ...
                    [--reps 5] [--runs 3] [--work DIR]
A binary given as PATH:noavx2 runs with NNCODEC_NO_AVX2 set (the portable Swift kernels);
PATH:NAME=VALUE[,NAME=VALUE] runs it with those environment variables (e.g.
NNCODEC_SLICE_IMAGES=0: no sliced prefix)."""
import argparse, os, statistics, subprocess, sys
import numpy as np
from bench_models import parse_spec, random_input


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", action="append", required=True)
    ap.add_argument("--model", action="append", required=True)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default="/tmp/nncodec-ab-cpu")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    procs = []
    for b in a.bin:
        env = dict(os.environ)
        if b.endswith(":noavx2"):
            b = b[: -len(":noavx2")]; env["NNCODEC_NO_AVX2"] = "1"
        elif ":" in b and "=" in b.rsplit(":", 1)[1]:
            b, assigns = b.rsplit(":", 1)
            env.update(kv.split("=", 1) for kv in assigns.split(","))
        procs.append(subprocess.Popen([b], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1, env=env))

    def ask(p, line):
        p.stdin.write(line + "\n"); p.stdin.flush()
        r = p.stdout.readline().strip()
        if not r or r.startswith("error"):
            sys.exit(f"runtime-bench: {line!r} -> {r!r}")
        return r

    names = []
    for spec in a.model:
        name, path, batch = parse_spec(spec)
        input_name, x = random_input(path, batch)
        xp = os.path.join(a.work, f"{name}_x.npy"); np.save(xp, x)
        for p in procs:
            ask(p, f"load {name} {path} {input_name} {xp}")
        names.append(name)
    res = {(i, m): [] for i in range(len(procs)) for m in names}
    for r in range(a.reps):
        for m in names:
            order = list(range(len(procs)))
            for i in (order if r % 2 == 0 else order[::-1]):
                res[(i, m)].append(float(ask(procs[i], f"cpu {m} {a.runs}").split()[0]))
    print(f"CPU seconds per batch, median of {a.reps} alternating repetitions × {a.runs} runs; "
          f"load average {os.getloadavg()[0]:.2f}\n")
    print("| model | " + " | ".join(f"{i + 1}: {b}" for i, b in enumerate(a.bin)) + " | " +
          " | ".join(f"first/{i + 1}" for i in range(1, len(procs))) + " |")
    print("| --- |" + " ---: |" * (2 * len(procs) - 1))
    for m in names:
        med = [statistics.median(res[(i, m)]) for i in range(len(procs))]
        print(f"| {m} | " + " | ".join(f"{v:.3f}" for v in med) + " | " +
              " | ".join(f"{med[0] / v:.2f}" for v in med[1:]) + " |")
    for p in procs:
        p.stdin.write("quit\n"); p.stdin.flush(); p.wait()


if __name__ == "__main__":
    main()
