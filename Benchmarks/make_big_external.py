"""Writes a synthetic float32 model with external data, of about SIZE_GB gigabytes.

    python Benchmarks/make_big_external.py OUT.onnx [SIZE_GB]   (default 4)

64 MiB tensors (4096 x 4096, He-initialised normal, seeded) chained by MatMul, written
tensor by tensor into OUT.onnx.data so the script itself needs little memory. Not
committed: Benchmarks/bench-big.sh makes it in a temporary folder.
"""
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper

out = Path(sys.argv[1])
size_gb = float(sys.argv[2]) if len(sys.argv) > 2 else 4.0
n = 4096
count = max(1, round(size_gb * (1 << 30) / (n * n * 4)))
data = out.with_name(out.name + ".data")
rng = np.random.default_rng(15)
inits, nodes = [], []
with open(data, "wb") as f:
    for i in range(count):
        offset = f.tell()
        w = (rng.standard_normal((n, n), dtype=np.float32) * np.float32(np.sqrt(2.0 / n)))
        f.write(w.tobytes())
        t = TensorProto(name=f"w{i}", data_type=TensorProto.FLOAT, dims=[n, n])
        t.data_location = TensorProto.EXTERNAL
        for k, v in (("location", data.name), ("offset", str(offset)), ("length", str(w.nbytes))):
            e = t.external_data.add()
            e.key, e.value = k, v
        inits.append(t)
        nodes.append(helper.make_node("MatMul", ["x" if i == 0 else f"h{i - 1}", f"w{i}"], [f"h{i}"]))
graph = helper.make_graph(nodes, "big", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, n])],
                          [helper.make_tensor_value_info(f"h{count - 1}", TensorProto.FLOAT, [1, n])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
with open(out, "wb") as f:
    f.write(model.SerializeToString())
print(f"{out}: {count} tensors, {count * n * n * 4} bytes of float32 in {data.name}")
