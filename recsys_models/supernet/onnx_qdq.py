"""Export a subnet to ONNX with its per-operator precisions as QuantizeLinear/DequantizeLinear pairs.

Form (what ``pimcompile`` reads): every quantised weight W of an operator appears as
``DequantizeLinear(Clip?(QuantizeLinear(W, scale, int8 0)), scale, 0)`` feeding its Gemm/MatMul; every quantised
activation likewise. 8 bits is plain int8 QDQ; below 8 bits a Clip to [-2^(b-1), 2^(b-1)-1] sits between the pair
(Brevitas' QCDQ form), so the bit width is log2(clip range). Floating-point operators (``precision: null``) and the
FM / dense->sparse / logit layers carry no QDQ: the compiler's default precision applies to them.
The model's ``metadata_props`` also record the architecture JSON (key ``nasrec_arch``) for traceability.

The graph contract is ``recsys_models.export``'s: opset 18, TorchScript exporter, inputs ``dense``/``sparse``,
output ``prob``, checked by onnx.checker and against onnxruntime.
"""

from __future__ import annotations

import json
from pathlib import Path

from recsys_models.space.choices import Arch
from recsys_models.space.encoding import arch_to_json


def count_qdq(path) -> dict[str, int]:
    """Counts of QuantizeLinear, DequantizeLinear and Clip nodes in an ONNX file."""
    import onnx

    ops = [n.op_type for n in onnx.load(str(path)).graph.node]
    return {k: ops.count(k) for k in ("QuantizeLinear", "DequantizeLinear", "Clip")}


def verify_quantized(model, path, spec, batch: int | None, rows: int = 64, seed: int = 1) -> tuple[float, float]:
    """onnx.checker, then onnxruntime vs PyTorch on ``rows`` seeded rows; returns (fraction equal, max |diff|).

    onnxruntime runs with basic graph optimisations only: its extended level fuses DequantizeLinear -> MatMul with
    a float activation into a dynamically quantised MatMul (uint8 activations), which changes the numbers (measured:
    all 64 rows off by up to 0.026 on the Avazu-Full fixture; 0 rows at the basic level). The graph's own
    semantics are what ``pimcompile`` reads. Float rounding differences can still flip an activation code on a
    boundary now and then, so we require >= 90 % of rows within 1e-5 and every row within 1e-2.
    """
    import numpy as np
    import onnx
    import onnxruntime as ort
    import torch

    from recsys_models.errors import UserError
    from recsys_models.export.onnx_export import example_inputs

    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    dense, sparse = example_inputs(spec.n_int, spec.table_sizes, rows, seed)
    with torch.no_grad():
        want = torch.sigmoid(model.eval()(dense, sparse)).numpy().reshape(-1)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    sess = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    step = batch or rows
    got = np.concatenate([sess.run(None, {"dense": dense[i:i + step].numpy(), "sparse": sparse[i:i + step].numpy()})[0]
                          for i in range(0, rows - rows % step, step)]).reshape(-1)
    diff = np.abs(got - want[: got.size])
    equal, worst = float(np.mean(diff <= 1e-5)), float(diff.max())
    if not (equal >= 0.9 and worst <= 1e-2):
        raise UserError(path, f"onnxruntime differs from PyTorch: {equal:.0%} of rows within 1e-5, max {worst:.3g} "
                              "(need >= 90 % and <= 1e-2 for quantised models)")
    return equal, worst


def _annotate(path: Path, arch: Arch) -> None:
    import onnx

    proto = onnx.load(str(path))
    entry = proto.metadata_props.add()
    entry.key, entry.value = "nasrec_arch", json.dumps(arch_to_json(arch), sort_keys=True)
    tmp = path.with_name(f".{path.name}.meta.tmp")
    onnx.save(proto, str(tmp))
    tmp.replace(path)


def export_subnet_onnx(arch: Arch, dataset, path, batch: int | None = None, model=None, seed: int = 0,
                       hash_size: int | None = None, verify: bool = True) -> Path:
    """Export ``arch``'s standalone model (``model``, or a fresh seeded one) to ``path``; returns the path.

    Parameters
    ----------
    arch : the architecture, precisions included.
    dataset : a ``DatasetSpec`` or dataset name (criteo, avazu, kdd) for the input shapes and table sizes.
    batch : fix the batch size (None: symbolic ``B``).
    model : a trained ``SubnetModel`` of ``arch``; default: a new one with seed ``seed`` whose activation ranges are
        calibrated on one seeded random batch (weights' values do not change the mapping or its cost).
    verify : run onnx.checker and compare onnxruntime with PyTorch (``recsys_models.export.verify_onnx`` for float
        models, ``verify_quantized`` for quantised ones).
    """
    import torch

    from recsys_models.export.onnx_export import example_inputs, export_model, verify_onnx
    from recsys_models.supernet.model import SubnetModel, resolve_dataset_spec

    spec = resolve_dataset_spec(dataset, hash_size)
    if model is None:
        torch.manual_seed(seed)
        model = SubnetModel(arch, spec)
        with torch.no_grad():  # one training-mode pass sets the activation ranges the QDQ scales come from
            model.train()(*example_inputs(spec.n_int, spec.table_sizes, 64, seed))
    model.eval()
    out = export_model(model, path, spec.n_int, spec.table_sizes, batch)
    try:
        if verify and arch.quantized:
            verify_quantized(model, out, spec, batch)
        elif verify:
            verify_onnx(model, out, spec.n_int, spec.table_sizes, batch)
        _annotate(out, arch)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return out
