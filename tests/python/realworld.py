"""The real-model test set (testdata/realworld, made by scripts/make_realworld.py).

torchvision models are committed as skeletons (graph + per-tensor statistics); `materialize`
refills every emptied initializer with seeded normal values clipped to the recorded
[min, max], so the suite needs neither torch nor a download.
"""
import json
import zlib
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

TESTDATA = Path(__file__).resolve().parents[2] / "testdata"

REALWORLD = TESTDATA / "realworld"


def manifest():
    return json.loads((REALWORLD / "manifest.json").read_text())


def materialize(name: str, out: Path) -> Path:
    m = onnx.load(str(REALWORLD / f"tv_{name}.skel.onnx"))
    stats = json.loads((REALWORLD / f"tv_{name}.stats.json").read_text())
    for t in m.graph.initializer:
        s = stats.get(t.name)
        if s is None:
            continue
        rng = np.random.default_rng(zlib.crc32(t.name.encode()))
        a = rng.standard_normal(tuple(t.dims)).astype(np.float32) * s["std"] + s["mean"]
        a = np.clip(a, s["min"], s["max"]).astype(np.float32)
        t.CopyFrom(numpy_helper.from_array(a, t.name))
    onnx.save(m, str(out))
    return out


def sample_input(entry, seed=0):
    return np.random.default_rng(seed).standard_normal(entry["shape"]).astype(np.float32)


def ort_outputs(path, entry, x):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return sess.run(None, {entry["input"]: x})[0]


def relative_error(ref, got):
    """max |got − ref| over max |ref| (finite entries; non-finite ones must match exactly)."""
    fin = np.isfinite(ref)
    assert np.array_equal(fin, np.isfinite(got)), "non-finite outputs moved"
    if not fin.any():
        return 0.0
    return float(np.abs(got[fin] - ref[fin]).max() / max(np.abs(ref[fin]).max(), 1e-12))


def _tensor_slots(graph):
    """(name, getter, setter) for every stored tensor of a graph and its subgraphs, named the
    way nncodec names them in its report (initializer name, Constant output, `.values`/
    `.indices` of a sparse Constant)."""
    for t in graph.initializer:
        yield t.name, (lambda t=t: numpy_helper.to_array(t)), \
            (lambda a, t=t: t.CopyFrom(numpy_helper.from_array(a.astype(numpy_helper.to_array(t).dtype), t.name)))
    for n in graph.node:
        for a in n.attribute:
            if n.op_type == "Constant" and a.name == "value":
                yield n.output[0], (lambda a=a: numpy_helper.to_array(a.t)), \
                    (lambda v, a=a: a.t.CopyFrom(numpy_helper.from_array(v.astype(numpy_helper.to_array(a.t).dtype), a.t.name)))
            elif n.op_type == "Constant" and a.name == "value_floats":
                yield n.output[0], (lambda a=a: np.array(a.floats, np.float32)), \
                    (lambda v, a=a: (a.ClearField("floats"), a.floats.extend(v.astype(np.float32).tolist())))
            elif n.op_type == "Constant" and a.name == "sparse_value":
                sv = a.sparse_tensor.values
                yield n.output[0] + ".values", (lambda sv=sv: numpy_helper.to_array(sv)), \
                    (lambda v, sv=sv: sv.CopyFrom(numpy_helper.from_array(v.astype(numpy_helper.to_array(sv).dtype), sv.name)))
            if a.type == onnx.AttributeProto.GRAPH:
                yield from _tensor_slots(a.g)


def stored_tensors(path):
    """Every float tensor of the model by its nncodec report name."""
    return {name: get() for name, get, _ in _tensor_slots(onnx.load(str(path)).graph)}


def with_tensors(path, arrays, out):
    """The model at `path` with the named tensors replaced by `arrays`; saved to `out`."""
    m = onnx.load(str(path))
    for name, _, put in _tensor_slots(m.graph):
        if name in arrays:
            put(arrays[name])
    onnx.save(m, str(out))
    return out


def check_dequantized(original, decoded, report, dq):
    """Every coded tensor of the decoded model lies on its quantizer's lattice (an integer
    multiple of the step) within the quantizer's reach of the original: step/2 for the
    uniform quantizer (lambda 0), 2·step with dependent quantization (one of its two
    quantizers has reconstruction levels 2·step apart; the trellis may leave the nearest).
    RAW_FLOAT and integer tensors come back bit for bit. Returns the per-tensor errors."""
    reach = 2.0 if dq else 0.5
    deltas = {}
    for t in report["tensors"]:
        if t["name"] not in original and t["role"] in ("integer", "kept"):
            continue  # value_ints and sparse indices: integers, checked by the outputs
        a, b = original[t["name"]], decoded[t["name"]]
        assert a.shape == b.shape and a.dtype == b.dtype, f"{t['name']}: shape or dtype changed"
        step = t.get("stepSize")
        if t["role"] in ("rawFloat", "kept") or not step or a.dtype.kind != "f":
            assert a.tobytes() == b.tobytes(), f"{t['name']}: not bit-exact"
            continue
        if a.size == 0:
            continue
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        # The reconstruction level·step, rounded to the tensor's float type.
        ulp = np.spacing(np.abs(b).astype(a.dtype)).astype(np.float64)
        off = np.abs(b64 - np.round(b64 / step) * step) - ulp
        assert off.max() <= 1e-6 * step, f"{t['name']}: decoded values off the step-{step:g} lattice"
        excess = np.abs(b64 - a64) - reach * step * (1 + 1e-6) - ulp
        assert excess.max() <= 0, f"{t['name']}: error {np.abs(b64 - a64).max():.3g} above {reach}·step {step:g}"
        deltas[t["name"]] = (b64 - a64).astype(a.dtype)
    return deltas


def shuffled_deltas(deltas, seed=0):
    """The same per-tensor weight errors, randomly permuted inside each tensor: an error of
    the codec's own magnitude with no relation to the weights (the output-sensitivity probe)."""
    rng = np.random.default_rng(seed)
    return {k: rng.permutation(v.reshape(-1)).reshape(v.shape) for k, v in deltas.items()}
