"""Control flow: ``If`` with a constant condition is inlined; ``Loop`` only as an EmbeddingBag.

ONNX signatures implemented:
  If-13/16/19/21(cond; then_branch, else_branch) -> outputs...   (cond must fold to a constant)
  Loop-13..21(M?, cond?, v_initial...; body) -> v_final_and_scan_outputs...
    (only torch.nn.EmbeddingBag's TorchScript pattern, onnx_and_ecosystem.md 1.5.4)
Legacy DCN exports an If whose condition is computed from shapes; with the
batch fixed it folds, and the chosen branch's nodes are lowered in place of
the If (their internal values renamed so they cannot clash).
"""

from __future__ import annotations

import numpy as np
from pimsim.spec.errors import SpecError

from compiler.frontend.ops import node_name


def If(b, node, attrs: dict) -> None:
    from onnx import numpy_helper

    from compiler.frontend.registry import lower_node

    src = node_name(node)
    cond = b.const_data(node.input[0])
    if cond is None:
        raise SpecError(b.path, f"node {src}: If with a data-dependent condition is not supported "
                                "(only conditions that fold to constants once the batch is fixed)")
    branch = attrs["then_branch"] if bool(np.asarray(cond).reshape(-1)[0]) else attrs["else_branch"]
    prefix = b.fresh(src)
    renamed = _rename_branch(branch, prefix)
    for init in branch.initializer:
        b.add_constant(renamed.get(init.name, init.name), numpy_helper.to_array(init))
    for sub in branch.node:
        copy = type(sub)()
        copy.CopyFrom(sub)
        for i, name in enumerate(copy.input):
            copy.input[i] = renamed.get(name, name)
        for i, name in enumerate(copy.output):
            copy.output[i] = renamed.get(name, name)
        copy.name = f"{src}/{sub.name or sub.op_type}"
        lower_node(b, copy)
    for inner, outer in zip(branch.output, node.output):
        b.emit("Identity", [renamed.get(inner.name, inner.name)], [outer], {}, src)


def _rename_branch(branch, prefix: str) -> dict[str, str]:
    """Names defined inside the branch get a prefix; outer-scope names stay."""
    defined = {i.name for i in branch.initializer} | {o for n in branch.node for o in n.output if o}
    return {name: f"{prefix}/{name}" for name in defined}


def Loop(b, node, attrs: dict) -> None:
    """torch.nn.EmbeddingBag's legacy export: a Loop over bags of Slice -> Gather(table) -> Reduce.

    Recognised when the trip count and the bag bounds fold to constants (fixed batch): then the Loop
    is exactly ``pim.EmbeddingBag(table, flat_ids, offsets)``.  Anything else is refused.
    """
    match = _match_embedding_bag(b, node, attrs["body"])
    if match is None:
        raise SpecError(b.path, f"node {node_name(node)}: op Loop (opset {b.opset}) is not supported except as "
                                "torch.nn.EmbeddingBag's TorchScript export (write Embedding(...).sum(1) over padded "
                                "ids, as recsys export does, or emit pim::EmbeddingBag with torch.onnx.ops.symbolic)")
    table, ids, offsets, mode = match
    off = b.constant(np.asarray(offsets, np.int64), f"{node_name(node)}.offsets")
    b.emit("pim.EmbeddingBag", [table, ids, off], [node.output[0]], {"mode": mode}, node_name(node))


REDUCE_MODE = {"ReduceSum": "sum", "ReduceMean": "mean", "ReduceMax": "max"}


def _match_embedding_bag(b, node, body):
    trips = b.const_data(node.input[0]) if node.input and node.input[0] else None
    if trips is None or len(node.input) != 2 or len(node.output) != 1 or len(body.output) != 2:
        return None
    made = {o: n for n in body.node for o in n.output}
    red = made.get(body.output[1].name)
    gat = made.get(red.input[0]) if red is not None and red.op_type in REDUCE_MODE else None
    sli = made.get(gat.input[1]) if gat is not None and gat.op_type == "Gather" else None
    if sli is None or sli.op_type != "Slice" or made.get(gat.input[0]) or made.get(sli.input[0]):
        return None
    table, ids = gat.input[0], sli.input[0]
    tdata = b.const_data(table)
    if tdata is None or tdata.ndim != 2 or len(b.graph.values[ids].shape) != 1 or b.const_data(ids) is not None:
        return None
    bounds = [_bag_bounds(b, body, sli, i) for i in range(int(np.asarray(trips)))]
    if any(x is None for x in bounds) or not _contiguous(bounds, b.graph.values[ids].shape[0]):
        return None
    if not _reduces_rows(b, body, red):
        return None
    return table, ids, [s for s, _ in bounds], REDUCE_MODE[red.op_type]


def _bag_bounds(b, body, sli, iteration: int):
    """(start, end) of the Slice in one iteration, computed from constants only (None if it needs data)."""
    from pimsim.spec.semantics import run_op

    from compiler.frontend.registry import attributes

    env = {body.input[0].name: np.array(iteration, np.int64), body.input[1].name: np.array(True)}
    for n in body.node:
        if n is sli:
            break
        args = [_lookup(b, env, i) for i in n.input]
        if any(a is None for a, i in zip(args, n.input) if i):
            continue
        a = attributes(n)
        if n.op_type == "Constant":
            env[n.output[0]] = np.asarray(a["value"])
            continue
        for name, res in zip(n.output, run_op(n.op_type, args, a)):
            env[name] = np.asarray(res)
    start, end = _lookup(b, env, sli.input[1]), _lookup(b, env, sli.input[2])
    extra = [_lookup(b, env, i) for i in sli.input[3:] if i]
    if start is None or end is None or any(x is None or np.any(np.asarray(x) not in (0, 1)) for x in extra):
        return None
    return int(np.asarray(start).reshape(-1)[0]), int(np.asarray(end).reshape(-1)[0])


def _lookup(b, env, name):
    if not name:
        return None
    if name in env:
        return env[name]
    return b.const_data(name)  # outer scope: constants only (activation probes are zeros, not data)


def _contiguous(bounds, n_ids: int) -> bool:
    return bounds[0][0] == 0 and bounds[-1][1] == n_ids and all(
        bounds[i][1] == bounds[i + 1][0] and bounds[i][0] <= bounds[i][1] for i in range(len(bounds) - 1))


def _reduces_rows(b, body, red) -> bool:
    from compiler.frontend.registry import attributes

    a = attributes(red)
    axes = a.get("axes")
    if axes is None and len(red.input) > 1:
        const = next((n for n in body.node if red.input[1] in n.output and n.op_type == "Constant"), None)
        axes = attributes(const)["value"] if const is not None else b.const_data(red.input[1])
    return a.get("keepdims", 1) == 0 and axes is not None and list(np.asarray(axes).reshape(-1)) == [0]
