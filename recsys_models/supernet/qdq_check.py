"""PyTorch vs onnxruntime on a QDQ export, with activation codes compared where they are produced.

Why: PyTorch and onnxruntime sum in different orders, so an activation can differ by an ulp; where it sits on a
rounding boundary (x / scale = k + 0.5) one side rounds to k and the other to k + 1. Low-bit subnets put values on
such boundaries often (products of coarse codes form a lattice; measured on Small seed 6 / Avazu: 4 of 704 codes of
one 4-bit FC input, x / scale = 0.50000006 and 1.4999999), and with fresh, LayerNorm-free weights one flipped code
moves a logit by tens, i.e. a probability from 0 to 1. So each activation quantiser's codes are taken from
onnxruntime (its ``QuantizeLinear`` outputs) as PyTorch produces its own: a code one step away whose input is within
``tolerance * max(1, max|x|)`` of the boundary between the two is a *boundary flip* and onnxruntime's code is used
downstream; any other differing code is *unexplained* (a wrong scale, bit width or rounding).

Matching: a quantiser module ``blocks.<i>.ops.<op>.quant`` emits its activation ``QuantizeLinear`` nodes, in call
order, under the ONNX scope ``/blocks.<i>/<op>/`` (TorchScript exporter names; weight quantisers sit one scope
deeper, in the ElasticLinear). Blocks that the exporter dropped as unused have no nodes and are left as they are.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from functools import partial

import numpy as np

_NODE = re.compile(r"/blocks\.(\d+)/(\w+)/QuantizeLinear(?:_\d+)?$")
_MODULE = re.compile(r"^blocks\.(\d+)\.ops\.(\w+)\.quant$")


@dataclass
class CodeStats:
    """Activation codes compared: total, boundary flips, unexplained mismatches (first one's quantiser)."""

    codes: int = 0
    flips: int = 0
    unexplained: int = 0
    first: str | None = None

    def note(self, where: str, count: int) -> None:
        if count:
            self.unexplained += count
            self.first = self.first or where


def activation_quantizers(proto) -> dict[tuple[int, str], list[str]]:
    """(block index, op name) -> output names of its activation QuantizeLinear nodes, in graph order."""
    constant = {i.name for i in proto.graph.initializer} | {n.output[0] for n in proto.graph.node
                                                            if n.op_type == "Constant"}
    found: dict[tuple[int, str], list[str]] = {}
    for n in proto.graph.node:
        m = _NODE.search(n.name)
        if n.op_type == "QuantizeLinear" and m and n.input[0] not in constant:
            found.setdefault((int(m[1]), m[2]), []).append(n.output[0])
    return found


def session_with_codes(path, options):
    """(onnxruntime session fetching ``prob`` and every activation code, the fetch names, quantiser keys)."""
    import onnx
    import onnxruntime as ort

    proto = onnx.shape_inference.infer_shapes(onnx.load(str(path)))
    quantizers = activation_quantizers(proto)
    typed = {v.name: v for v in proto.graph.value_info}
    names = [name for names in quantizers.values() for name in names if name in typed]
    proto.graph.output.extend(typed[name] for name in names)
    sess = ort.InferenceSession(proto.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return sess, [proto.graph.output[0].name, *names], quantizers


@contextlib.contextmanager
def codes_from(model, quantizers, fetched: dict[str, np.ndarray], stats: CodeStats, tolerance: float):
    """Within the block, ``model``'s matched activation quantisers reconcile their codes with ``fetched``."""
    from recsys_models.blocks.quant import OpQuant

    patched = []
    for path, q in model.named_modules():
        m = _MODULE.match(path)
        key = (int(m[1]), m[2]) if m else None
        if isinstance(q, OpQuant) and key in quantizers:
            queue = [fetched[name] for name in quantizers[key] if name in fetched]
            q.a = partial(_reconciled, q, path, queue, stats, tolerance)  # type: ignore[method-assign]  # patched for the check
            patched.append(q)
    try:
        yield
    finally:
        for q in patched:
            del q.a


def _reconciled(q, where: str, queue: list, stats: CodeStats, tolerance: float, x, slot: str):
    import torch

    if q.precision is None:
        return x
    scale = q.act_scale(x, slot)
    qmin, qmax = q.code_range(slot)  # signed, or unsigned for a calibrated non-negative slot
    ours = torch.round(x / scale).clamp(qmin, qmax)
    stats.codes += ours.numel()
    if not queue:
        stats.note(where, ours.numel())
        return ours * scale
    theirs = torch.from_numpy(np.asarray(queue.pop(0), np.float32)).clamp(qmin, qmax)  # the Clip below 8 bits
    if theirs.shape != ours.shape:
        stats.note(where, ours.numel())
        return ours * scale
    low = torch.minimum(ours, theirs)
    near = (x - (low + 0.5) * scale).abs() <= tolerance * max(1.0, float(x.abs().max()))
    explained = (ours != theirs) & ((ours - theirs).abs() == 1) & near
    stats.flips += int(explained.sum())
    stats.note(where, int(((ours != theirs) & ~explained).sum()))
    return torch.where(explained, theirs, ours) * scale
