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


def verify_quantized(model, path, spec, batch: int | None, rows: int = 64, seed: int = 1,
                     tolerance: float = 1e-5) -> tuple[float, float]:
    """onnx.checker, then onnxruntime vs PyTorch on ``rows`` seeded rows; returns (fraction equal, max |diff|).

    onnxruntime runs with basic graph optimisations only: its extended level fuses DequantizeLinear -> MatMul with
    a float activation into a dynamically quantised MatMul (uint8 activations), which changes the numbers (measured:
    all 64 rows off by up to 0.026 on the Avazu-Full fixture; 0 rows at the basic level). The graph's own
    semantics are what ``pimcompile`` reads. QuantizeLinear itself is bit-exact against our fake quantisation
    (checked on 100,000 values), but GEMM summation order differs between the runtimes (and between batch sizes),
    and a tiny float difference on a code boundary flips a code. Activation codes are therefore compared as they
    are produced (``recsys_models.supernet.qdq_check``): one-step flips at a boundary take onnxruntime's code, any
    other mismatch is an error. Then we require >= 75 % of rows within ``tolerance`` and every row within 0.1
    (flips of codes this check cannot see, e.g. in blocks whose scope was renamed, still move a few rows).
    """
    import numpy as np
    import onnx
    import onnxruntime as ort
    import torch

    from recsys_models.errors import UserError
    from recsys_models.export.onnx_export import example_inputs
    from recsys_models.supernet.qdq_check import CodeStats, codes_from, session_with_codes

    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    dense, sparse = example_inputs(spec.n_int, spec.table_sizes, rows, seed)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    sess, names, quantizers = session_with_codes(path, options)
    step = batch or rows
    # the same batch sizes on both sides: GEMM kernels (and so float rounding) differ between batch 1 and batch 64
    chunks = [(dense[i:i + step], sparse[i:i + step]) for i in range(0, rows - rows % step, step)]
    stats, got, want = CodeStats(), [], []
    model.eval()
    for d, s in chunks:
        fetched = dict(zip(names, sess.run(names, {"dense": d.numpy(), "sparse": s.numpy()})))
        got.append(fetched.pop(names[0]).reshape(-1))
        with torch.no_grad(), codes_from(model, quantizers, fetched, stats, tolerance):
            want.append(torch.sigmoid(model(d, s)).numpy().reshape(-1))
    if stats.unexplained:
        raise UserError(path, f"onnxruntime differs from PyTorch: {stats.unexplained} of {stats.codes} activation "
                              f"codes differ away from a rounding boundary (first in {stats.first})")
    diff = np.abs(np.concatenate(got) - np.concatenate(want))
    equal, worst = float(np.mean(diff <= tolerance)), float(diff.max())
    if not (equal >= 0.75 and worst <= 0.1):
        raise UserError(path, f"onnxruntime differs from PyTorch: {equal:.0%} of rows within {tolerance:g}, max "
                              f"{worst:.3g} (need >= 75 % and <= 0.1 for quantised models)")
    return equal, worst


def calibrate_missing_ranges(model, spec, seed: int = 0) -> int:
    """Record activation ranges that were never recorded, from one seeded random batch of 64 rows.

    Ranges already recorded (trained, or inherited from the supernet) are kept. Returns how many were filled in.
    A supernet run too short to have drawn every (operator, bit width) pair leaves such gaps.
    """
    import torch

    from recsys_models.blocks.quant import OpQuant
    from recsys_models.export.onnx_export import example_inputs

    quants = [m for m in model.modules() if isinstance(m, OpQuant)]
    before = [q.act_absmax.clone() for q in quants]
    with torch.no_grad():
        model.train()(*example_inputs(spec.n_int, spec.table_sizes, 64, seed))
    filled = 0
    for q, old in zip(quants, before, strict=True):
        kept = old != 0
        filled += int(((~kept) & (q.act_absmax != 0)).sum())
        q.act_absmax[kept] = old[kept]
    model.eval()
    return filled


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
    model : a trained ``SubnetModel`` of ``arch``; default: a new one with seed ``seed`` (weights' values do not
        change the mapping or its cost). Activation ranges never recorded are calibrated on one seeded random batch
        (``calibrate_missing_ranges``); recorded ones are kept.
    verify : run onnx.checker and compare onnxruntime with PyTorch (``recsys_models.export.verify_onnx`` for float
        models, ``verify_quantized`` for quantised ones).
    """
    import torch

    from recsys_models.export.onnx_export import export_model, verify_onnx
    from recsys_models.supernet.model import SubnetModel, resolve_dataset_spec

    spec = resolve_dataset_spec(dataset, hash_size)
    if model is None:
        torch.manual_seed(seed)
        model = SubnetModel(arch, spec)
    calibrate_missing_ranges(model, spec, seed)
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
