"""Model specs of the engine benchmarks: NAME=MODEL.onnx[@BATCH] and the seeded random
batch each script feeds (the same inputs in bench_runtime.py, ab_runtime_cpu.py and
compare_op_profile.py)."""
import numpy as np
import onnx


def parse_spec(spec, default_batch=16):
    """NAME=PATH[@BATCH] -> (name, path, batch)."""
    name, path = spec.split("=", 1)
    batch = default_batch
    if "@" in path:
        path, b = path.rsplit("@", 1)
        batch = int(b)
    return name, path, batch


def random_input(path, batch):
    """(input name, seeded standard-normal float32 batch) for the model's first graph input
    that is not an initializer; dynamic dimensions become `batch`."""
    g = onnx.load(path, load_external_data=False).graph
    inits = {i.name for i in g.initializer}
    inp = [i for i in g.input if i.name not in inits][0]
    shape = [d.dim_value if d.dim_value > 0 else batch for d in inp.type.tensor_type.shape.dim]
    return inp.name, np.random.default_rng(0).standard_normal(shape).astype(np.float32)
