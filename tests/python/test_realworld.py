"""Real models through the whole flow: exporter patterns (weights in Constant nodes, a −inf
mask, -1 dims, If bodies) and eight torchvision architectures.

encode/decode at -q 15 and -q 8 --dq → onnx.checker passes, onnxruntime outputs of the
decoded model match the original's within the quantization error; structured prune 0.3 +
simplify → valid and equal to the pruned model (1e-4).
"""
import json
import os

import numpy as np
import onnx
import pytest

from conftest import run
from realworld import (REALWORLD, check_dequantized, manifest, materialize, ort_outputs, relative_error,
                       sample_input, shuffled_deltas, stored_tensors, with_tensors)

PATTERNS = manifest()["patterns"]
TORCHVISION = manifest()["torchvision"]
# Max |decoded − original| output over max |original|, a cap on top of the sensitivity check
# below. Measured: MobileNetV2 9.6e-4 at -q 15, 0.17 at -q 8 --dq; the exporter patterns below
# 1e-3 / 0.1. A wrong tensor, shape or dequantization gives errors of order 1.
TOLERANCE = {"15": 1e-2, "8": 0.5}
# The decoded model's output error may be at most SENSITIVITY × the error that the same weight
# errors, permuted at random inside each tensor, cause (plus a floor for exact models).
SENSITIVITY = 4.0


def coded_flow(src, entry, q, dq, tmp_path):
    """encode → decode → (1) onnx.checker; (2) every decoded tensor is a dequantized value of
    its original (on the step lattice, within the quantizer's reach); (3) onnxruntime on the
    decoded model equals onnxruntime on the original graph carrying those dequantized weights
    (1e-4: our decode adds nothing beyond quantization); (4) the output error is within
    SENSITIVITY × the measured output sensitivity to errors of that size, and below the cap."""
    nnc, out = tmp_path / f"q{q}.nnc", tmp_path / f"q{q}.onnx"
    # The debug binary on DenseNet-121 under load: a --dq encode took over 10 minutes.
    enc = json.loads(run("encode", src, "-q", q, "-o", nnc, "--json", *(["--dq"] if dq else []), timeout=3600).stdout)
    run("decode", nnc, "-o", out, timeout=3600)
    onnx.checker.check_model(str(out), full_check=True)
    original, decoded = stored_tensors(src), stored_tensors(out)
    deltas = check_dequantized(original, decoded, enc["report"], dq)
    x = sample_input(entry)
    ref, got = ort_outputs(src, entry, x), ort_outputs(out, entry, x)
    dequantized = with_tensors(src, {k: decoded[k] for k in deltas}, tmp_path / f"q{q}.deq.onnx")
    assert relative_error(ort_outputs(dequantized, entry, x), got) <= 1e-4, "decoded graph differs from the original"
    probe = with_tensors(src, {k: original[k] + d for k, d in shuffled_deltas(deltas).items()}, tmp_path / f"q{q}.probe.onnx")
    sensitivity = relative_error(ref, ort_outputs(probe, entry, x))
    err = relative_error(ref, got)
    name = entry["name"]
    print(f"{name} q{q}{' --dq' if dq else ''}: output error {err:.2e}, permuted-error probe {sensitivity:.2e}")
    assert err <= SENSITIVITY * sensitivity + 1e-6, f"{name} q{q}: error {err:.2e} vs probe {sensitivity:.2e}"
    assert err <= TOLERANCE[q], f"{name} q{q}: relative error {err:.2e}"
    return enc


@pytest.mark.parametrize("entry", PATTERNS, ids=lambda e: e["name"])
def test_exporter_pattern_compresses_and_decodes(entry, tmp_path):
    src = REALWORLD / f"{entry['name']}.onnx"
    info = json.loads(run("info", src, "--json").stdout)
    stored = sum(int(np.prod(a.shape)) for a in _all_arrays(onnx.load(str(src))))
    assert info["parameters"] == stored
    enc = coded_flow(src, entry, "15", False, tmp_path)
    assert enc["bitstreamBytes"] <= src.stat().st_size / 2, "stream at -q 15 above half the .onnx"
    coded_flow(src, entry, "8", True, tmp_path)


def _all_arrays(model):
    """Every stored tensor: initializers, Constant values (also lists and sparse parts), subgraphs."""
    def walk(g):
        for t in g.initializer:
            yield onnx.numpy_helper.to_array(t)
        for n in g.node:
            for a in n.attribute:
                if n.op_type == "Constant" and a.name == "value":
                    yield onnx.numpy_helper.to_array(a.t)
                elif n.op_type == "Constant" and a.name in ("value_floats", "value_ints"):
                    yield np.array(list(a.floats) or list(a.ints))
                elif n.op_type == "Constant" and a.name == "sparse_value":
                    yield onnx.numpy_helper.to_array(a.sparse_tensor.values)
                    yield onnx.numpy_helper.to_array(a.sparse_tensor.indices)
                if a.type == onnx.AttributeProto.GRAPH:
                    yield from walk(a.g)
    return list(walk(model.graph))


# The codec flow on all eight torchvision models (42 M parameters): about 1 s of CPU per
# million parameters through the debug binary, whose Codec, CABAC, Tensors and Runtime
# modules are compiled with optimization (Package.swift).
@pytest.mark.parametrize("entry", TORCHVISION, ids=lambda e: e["name"])
def test_torchvision_model_encodes_and_decodes(entry, tmp_path):
    src = materialize(entry["name"], tmp_path / "model.onnx")
    coded_flow(src, entry, "15", False, tmp_path)
    coded_flow(src, entry, "8", True, tmp_path)


@pytest.mark.parametrize("entry", TORCHVISION, ids=lambda e: e["name"])
def test_torchvision_model_prunes_and_simplifies(entry, tmp_path):
    src = materialize(entry["name"], tmp_path / "model.onnx")
    onnx.checker.check_model(str(src), full_check=True)
    pruned, simple = tmp_path / "pruned.onnx", tmp_path / "simple.onnx"
    run("prune", src, "--criterion", "structured", "--sparsity", "0.3", "-o", pruned, "--no-sizes")
    report = run("simplify", pruned, "-o", simple, "--no-sizes").stdout
    if entry["name"].startswith("shufflenet"):  # the shuffle is named as the reason channels stay
        assert "pinned by channel shuffle '" in report and "pinned by Shape node" not in report
    onnx.checker.check_model(str(simple), full_check=True)
    x = sample_input(entry)
    a, b = ort_outputs(pruned, entry, x), ort_outputs(simple, entry, x)
    assert a.shape == b.shape
    assert np.abs(a - b).max() <= 1e-4 * max(1.0, np.abs(a).max())
