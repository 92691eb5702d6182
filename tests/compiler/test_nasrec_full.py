"""NASRec-Full best architectures, exported through the supernet's subnet export, compile and compute right.

The six NASRec-Full operators (FC, EFC, Dot-Product, Gating, Sum, Attention) plus the per-block FM and
dense->sparse switches (recsys_search_space.md A.4) reach the compiler as what PyTorch's exporter really emits:
Gating/Sum zero-pad their inputs with ``Pad`` (pads folded from ``ConstantOfShape``/``Slice``/``Cast``),
Attention is ``Split``/``Softmax``/``MatMul``, the QDQ export adds ``QuantizeLinear``/``Clip``/``DequantizeLinear``.

Criteo-Full (no Sum block) and KDD-Full (Sum, no FC) together cover every operator type. Expected values come
from onnxruntime on the same ONNX file. With fresh weights and no LayerNorm (NASRec's standalone setting) the
Criteo-Full logit is so large that ``sigmoid`` saturates to exactly 0, which would make an output-only
comparison vacuous, so every float intermediate of the export is made a graph output and compared.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from compiler.check import onnxruntime_outputs, random_feeds
from compiler.check import CHECK_TOLERANCE
from compiler.ir.interpret import run_ops

# (arch name, dataset, quantised as uniform int8 weights/activations)
EXPORTS = (("criteo_full", "criteo", False), ("criteo_full", "criteo", True), ("kdd_full", "kdd", False))
NASREC_OPS = {"fc", "efc", "dot", "gating", "sum", "attention", "fm", "ds"}  # ONNX node-name scopes


@pytest.fixture(scope="session")
def nasrec_exports(tmp_path_factory) -> dict[tuple[str, bool], object]:
    """The real NASRec-Full architectures at full widths, batch symbolic, small hashed tables (~1-2 s each)."""
    pytest.importorskip("torch")  # the `models` extra; recsys_models.supernet needs it
    import recsys_models.supernet as supernet
    from recsys_models.space import nasrec_best, with_uniform_precision

    out = tmp_path_factory.mktemp("nasrec_full")
    paths = {}
    for name, dataset, quantized in EXPORTS:
        arch = nasrec_best(name)
        if quantized:
            arch = with_uniform_precision(arch, 8, 8)
        path = out / f"{name}{'_int8' if quantized else ''}.onnx"
        paths[(name, quantized)] = supernet.export_subnet_onnx(arch, dataset, path, hash_size=1000, verify=False)
    return paths


def _with_all_intermediates(path, out_path):
    """The model with every float32 intermediate tensor as an extra graph output (onnx shape inference)."""
    import onnx
    from onnx import TensorProto, shape_inference

    model = shape_inference.infer_shapes(onnx.load(str(path)))
    known = {o.name for o in model.graph.output}
    info = {v.name: v for v in model.graph.value_info}
    for n in model.graph.node:
        for name in n.output:
            v = info.get(name)
            if v is not None and name not in known and v.type.tensor_type.elem_type == TensorProto.FLOAT:
                model.graph.output.append(v)
                known.add(name)
    onnx.save(model, str(out_path))
    return out_path


def test_export_covers_every_nasrec_operator(nasrec_exports):
    import onnx

    scopes, ops = set(), set()
    for path in nasrec_exports.values():
        for n in onnx.load(str(path)).graph.node:
            parts = n.name.split("/")
            if len(parts) > 4 and parts[2].startswith("blocks."):
                scopes.add(parts[3])
            ops.add(n.op_type)
    assert NASREC_OPS <= scopes
    assert {"Pad", "Softmax", "LayerNormalization", "QuantizeLinear", "DequantizeLinear"} <= ops


@pytest.mark.parametrize("key", [(n, q) for n, _, q in EXPORTS],
                         ids=[f"{n}{'_int8' if q else ''}" for n, _, q in EXPORTS])
def test_naive_compile_matches_onnxruntime_everywhere(nasrec_exports, key, tmp_path, batched_arch):
    """Every float intermediate of the naive mapping (IR interpreter) equals onnxruntime's within --check's
    tolerance (1e-5 x max(1, |value|)), at batch 3 (symbolic batch fixed by the compiler)."""
    from compiler.api import compile_graph
    from compiler.passes.emit import to_mapping

    path = _with_all_intermediates(nasrec_exports[key], tmp_path / "all.onnx")
    graph, opts = compile_graph(str(path), batched_arch, "naive", batch=3)
    mapping, weights = to_mapping(graph, batched_arch, opts)
    feeds = random_feeds(graph, seed=0)
    ours = run_ops(mapping.operators, {**weights, **feeds}, list(mapping.outputs))
    ref = onnxruntime_outputs(str(path), feeds, list(mapping.outputs))
    assert len(mapping.outputs) > 100  # the whole network is compared, not just the probability
    largest = 0.0
    for name in mapping.outputs:
        a, b = np.asarray(ours[name], np.float64), np.asarray(ref[name], np.float64)
        assert a.shape == b.shape, name
        scale = float(np.max(np.abs(b), initial=0.0))
        largest = max(largest, scale)
        assert np.max(np.abs(a - b), initial=0.0) <= CHECK_TOLERANCE * max(1.0, scale), name
    assert largest > 1.0  # non-trivial activations were compared
    pads = [op for op in mapping.operators if op.op_type == "Pad"]
    assert pads and all(op.kind in ("copy", "view") for op in pads)


def test_cli_naive_check_on_criteo_full(nasrec_exports, tmp_path):
    """``pimcompile model.onnx -o m.json --strategy naive --check`` on the real Criteo-Full export exits 0."""
    from compiler.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([str(nasrec_exports[("criteo_full", False)]), "-o", str(tmp_path / "m.json"),
                     "--strategy", "naive", "--check"])
    assert code == 0, out.getvalue()
    assert (tmp_path / "m.json").exists() and "check: largest" in out.getvalue()
