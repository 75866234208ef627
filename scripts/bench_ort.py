#!/usr/bin/env python3
"""onnxruntime throughput at batch 64 on the testdata models (2 threads), for comparison
with the Swift Runtime benchmark (RuntimeTests.BenchmarkTests)."""
import json, os, sys, time
import numpy as np
import onnxruntime as ort

td = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata")
man = json.load(open(os.path.join(td, "manifest.json")))
for m in man["models"]:
    so = ort.SessionOptions()
    so.intra_op_num_threads = int(os.environ.get("THREADS", "2"))
    s = ort.InferenceSession(os.path.join(td, m["file"]), so, providers=["CPUExecutionProvider"])
    x = np.load(os.path.join(td, m["data_file"]))[:64]
    feed = {m["input_name"]: x}
    s.run(None, feed)
    runs, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 2 or runs < 3:
        s.run(None, feed)
        runs += 1
    dt = time.perf_counter() - t0
    print(f"ORT {m['name']} batch {len(x)}: {int(runs * len(x) / dt)} samples/s ({runs} runs)")
