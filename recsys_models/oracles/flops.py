"""FLOPs per inference of an exported ONNX model, counted from its MatMul/Gemm nodes.

Convention: fvcore's, which NASRec and the TORS paper report (``recsys_search_space.md``
B.4): one multiply-accumulate counts as one FLOP, and only matrix products are
counted (element-wise ops, LayerNorm and softmax are not).  Unlike fvcore, the
Dot-Product's batched ``T T^T`` (a MatMul in ONNX) *is* counted, since on PIM it is
real work.  Shapes come from ONNX shape inference on a batch-1 export; a
matrix product whose shapes cannot be inferred is an error, never zero.
"""

from __future__ import annotations

import math
from pathlib import Path

from recsys_models.errors import UserError


def _dims(shapes: dict, name: str, where: str) -> list[int]:
    dims = shapes.get(name)
    if dims is None or any(d is None or d <= 0 for d in dims):
        raise UserError(where, f"cannot infer the shape of {name!r}; FLOPs need a fixed-batch export")
    return dims


def _shape_table(model) -> dict[str, list[int | None]]:
    import onnx

    inferred = onnx.shape_inference.infer_shapes(model)
    table = {}
    graph = inferred.graph
    for vi in list(graph.value_info) + list(graph.input) + list(graph.output):
        dims = vi.type.tensor_type.shape.dim
        table[vi.name] = [d.dim_value if d.HasField("dim_value") else None for d in dims]
    for init in graph.initializer:
        table[init.name] = list(init.dims)
    return table


def onnx_flops(path: str | Path, batch: int = 1) -> float:
    """Multiply-accumulates per inference in ``path`` (exported with a fixed ``batch``)."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    shapes = _shape_table(model)
    total = 0
    for node in model.graph.node:
        if node.op_type == "MatMul":
            a, b = (_dims(shapes, n, str(path)) for n in node.input[:2])
            out = _dims(shapes, node.output[0], str(path))
            k = a[-1] if len(a) > 1 else a[0]
            total += math.prod(out) * k
        elif node.op_type == "Gemm":
            a = _dims(shapes, node.input[0], str(path))
            trans_a = next((at.i for at in node.attribute if at.name == "transA"), 0)
            out = _dims(shapes, node.output[0], str(path))
            total += math.prod(out) * (a[0] if trans_a else a[1])
    return total / batch
