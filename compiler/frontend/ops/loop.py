"""Loop: torch.nn.EmbeddingBag's TorchScript pattern as one lookup, any other Loop unrolled.

ONNX signature implemented:
  Loop-13..21(M?, cond?, v_initial...; body) -> v_final..., scan_outputs...
With the batch fixed, trip counts and conditions fold to constants.  The
TorchScript EmbeddingBag loop (Slice -> Gather(table) -> Reduce per bag,
onnx_and_ecosystem.md 1.5.4) becomes one ``pim.EmbeddingBag(table, flat_ids,
offsets)``: with constant offsets when the bag bounds fold (2-D ids), or with
the model's run-time offsets (the reference DLRM's ``offsets`` input) when
the bounds of bag i are shown to be ``offsets[i]`` and ``offsets[i + 1]`` (the
id count for the last bag): the bound computation is evaluated with two
different marker arrays in place of the offsets and must return them.  Any other Loop whose
iteration count folds (the dynamo EmbeddingBag form with sequence ops
included) is unrolled: its body is lowered once per iteration with the
iteration's values bound, so every iteration's work is priced.  A Loop whose
continuation depends on data, or that runs more than ``MAX_UNROLL``
iterations, is an error.
"""

from __future__ import annotations

import numpy as np
from pimsim.spec.errors import SpecError
from pimsim.spec.semantics import run_op

from compiler.frontend.dims import check_lookup_count
from compiler.frontend.limits import Unsupported
from compiler.frontend.ops import attributes, node_name
from compiler.ir.deps import computed_from

MAX_UNROLL = 4096


def Loop(b, node, attrs: dict) -> None:
    """torch.nn.EmbeddingBag's legacy export: a Loop over bags of Slice -> Gather(table) -> Reduce.

    Recognised when the trip count and the bag bounds fold to constants (fixed batch): then the Loop
    is exactly ``pim.EmbeddingBag(table, flat_ids, offsets)``.  Anything else is refused.
    """
    match = _match_embedding_bag(b, node, attrs["body"])
    if match is None:
        _unroll(b, node, attrs["body"])
        return
    table, ids, offsets, mode = match
    check_lookup_count(b, ids, node_name(node))
    off = offsets if isinstance(offsets, str) else b.constant(np.asarray(offsets, np.int64),
                                                              f"{node_name(node)}.offsets")
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
    if not _reduces_rows(b, body, red):
        return None
    n_ids, n_bags = b.graph.values[ids].shape[0], int(np.asarray(trips))
    bounds = [_bag_bounds(b, body, sli, i) for i in range(n_bags)]
    if all(x is not None for x in bounds) and _contiguous(bounds, n_ids):
        return table, ids, [s for s, _ in bounds], REDUCE_MODE[red.op_type]
    offsets = _runtime_offsets(b, body, sli, n_bags, n_ids)
    return None if offsets is None else (table, ids, offsets, REDUCE_MODE[red.op_type])


def _markers(n_bags: int) -> list[np.ndarray]:
    """Two unrelated strictly increasing offset arrays: a bound computation returning both is the identity."""
    i = np.arange(n_bags, dtype=np.int64)
    return [7 * i + 2, i * i + 3 * i + 5]


def _runtime_offsets(b, body, sli, n_bags: int, n_ids: int) -> str | None:
    """The activation ``o[n_bags]`` with bag i's bounds ``(o[i], o[i+1])`` (``(o[-1], n_ids)`` for the last), or
    None.  Candidates are the 1-D integer activations of length ``n_bags`` that the bounds are computed from."""
    defined = {o for n in body.node for o in n.output} | {i.name for i in body.input}
    outer = {i for n in body.node for i in n.input if i and i not in defined and i in b.graph.values
             and not b.graph.values[i].constant}
    nodes, values = _ancestors(b, outer)
    candidates = [v for v in reversed([*b.graph.inputs, *(o for n in nodes for o in n.outputs)]) if v in values
                  and len(b.graph.values[v].shape) == 1 and b.graph.values[v].shape[0] == n_bags
                  and np.dtype(b.graph.values[v].dtype).kind in "iu" and not b.graph.values[v].constant]
    for cand in candidates:
        if all(_bounds_follow(b, body, sli, nodes, cand, m, n_ids) for m in _markers(n_bags)):
            return cand
    return None


def _ancestors(b, names: set[str]) -> tuple[list, set[str]]:
    """IR nodes (in graph order) and values that ``names`` are computed from."""
    values = computed_from(b.graph, names)
    return [n for n in b.graph.nodes if any(o in values for o in n.outputs)], values


def _bounds_follow(b, body, sli, nodes, cand: str, marker: np.ndarray, n_ids: int) -> bool:
    outer = {cand: marker.astype(b.graph.values[cand].dtype)}
    for n in nodes:
        if any(i in outer for i in n.inputs):
            args = [outer.get(i, b.probe.get(i)) if i else None for i in n.inputs]
            for name, res in zip(n.outputs, run_op(n.op_type, args, n.attrs, len(n.outputs))):
                outer[name] = np.asarray(res)
    want = [*marker.tolist(), n_ids]
    return all(_bag_bounds(b, body, sli, i, outer) == (want[i], want[i + 1]) for i in range(len(marker)))


def _bag_bounds(b, body, sli, iteration: int, outer: dict | None = None):
    """(start, end) of the Slice in one iteration, computed from constants and the ``outer`` values given (None if
    it needs anything else)."""
    env = {body.input[0].name: np.array(iteration, np.int64), body.input[1].name: np.array(True)}
    for n in body.node:
        if n is sli:
            break
        args = [_lookup(b, env, i, outer) for i in n.input]
        if any(a is None for a, i in zip(args, n.input) if i):
            continue
        a = attributes(n)
        if n.op_type == "Constant":
            env[n.output[0]] = np.asarray(a["value"])
            continue
        args, a = _latest_form(n.op_type, args, a)
        for name, res in zip(n.output, run_op(n.op_type, args, a, len(n.output))):
            env[name] = np.asarray(res)
    start, end = _lookup(b, env, sli.input[1], outer), _lookup(b, env, sli.input[2], outer)
    extra = [_lookup(b, env, i, outer) for i in sli.input[3:] if i]
    if start is None or end is None or any(x is None or np.any(np.asarray(x) not in (0, 1)) for x in extra):
        return None
    return int(np.asarray(start).reshape(-1)[0]), int(np.asarray(end).reshape(-1)[0])


AXES_INPUT_OPS = ("Squeeze", "Unsqueeze", "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
                  "ReduceL2")


def _latest_form(op_type: str, args: list, attrs: dict) -> tuple[list, dict]:
    """A body node's operands in the form ``pimsim.spec.semantics`` evaluates (opset 11-17 ``axes`` attribute as an
    input, as the lowerings rewrite them); the body is evaluated here, not lowered."""
    if op_type in AXES_INPUT_OPS and "axes" in attrs:
        attrs = dict(attrs)
        args = [args[0], np.asarray(attrs.pop("axes"), np.int64)]
    return args, attrs


def _lookup(b, env, name, outer: dict | None = None):
    if not name:
        return None
    if name in env:
        return env[name]
    if outer and name in outer:
        return outer[name]
    return b.const_data(name)  # outer scope: constants only (activation probes are zeros, not data)


def _contiguous(bounds, n_ids: int) -> bool:
    return bounds[0][0] == 0 and bounds[-1][1] == n_ids and all(
        bounds[i][1] == bounds[i + 1][0] and bounds[i][0] <= bounds[i][1] for i in range(len(bounds) - 1))


def _reduces_rows(b, body, red) -> bool:
    a = attributes(red)
    axes = a.get("axes")
    if axes is None and len(red.input) > 1:
        const = next((n for n in body.node if red.input[1] in n.output and n.op_type == "Constant"), None)
        axes = attributes(const)["value"] if const is not None else b.const_data(red.input[1])
    return a.get("keepdims", 1) == 0 and axes is not None and list(np.asarray(axes).reshape(-1)) == [0]


ADVICE = ("for embedding bags write Embedding(...).sum(1) over padded ids, as recsys export does, or emit "
          "pim::EmbeddingBag with torch.onnx.ops.symbolic")


def _refuse(b, node, why: str):
    raise SpecError(b.path, f"node {node_name(node)}: op Loop (opset {b.opset}) is not supported here: {why} "
                            f"({ADVICE})")


def _flag(b, node, name: str, what: str):
    if not name:
        return None
    data = b.const_data(name)
    if data is None:
        raise Unsupported(b.path, node_name(node), "Loop", "data-dependent trip count",
                          f"its {what} depends on data; {ADVICE}")
    return data


def _unroll(b, node, body) -> None:
    src = node_name(node)
    trips = _flag(b, node, node.input[0] if node.input else "", "trip count")
    cond = _flag(b, node, node.input[1] if len(node.input) > 1 else "", "initial condition")
    carried = list(node.input[2:])
    n_carried = len(carried)
    body_in = [i.name for i in body.input]
    body_out = [o.name for o in body.output]
    defined = {o for n in body.node for o in n.output if o} | {i.name for i in body.initializer}
    scans: list[list[str]] = [[] for _ in body_out[1 + n_carried:]]
    limit = MAX_UNROLL if trips is None else int(np.asarray(trips).reshape(-1)[0])
    if limit > MAX_UNROLL:
        _refuse(b, node, f"{limit} iterations exceed the unrolling limit {MAX_UNROLL}")
    saved = dict(b.alias)
    i = 0
    while i < limit and (cond is None or bool(np.asarray(cond).reshape(-1)[0])):
        prefix = b.fresh(f"{src}/iter{i}")
        b.alias.update({name: f"{prefix}/{name}" for name in defined})
        b.alias[body_in[0]] = b.constant(np.asarray(i, np.int64), f"{src}.i")
        b.alias[body_in[1]] = b.constant(np.asarray(True), f"{src}.cond")
        b.alias.update(dict(zip(body_in[2:], carried)))
        _add_initializers(b, body)
        for sub in body.node:
            b.lower(sub)
        cond = _flag(b, node, b.alias.get(body_out[0], body_out[0]), "continuation condition")
        carried = [b.alias.get(o, o) for o in body_out[1:1 + n_carried]]
        for k, o in enumerate(body_out[1 + n_carried:]):
            scans[k].append(b.alias.get(o, o))
        i += 1
    if i == MAX_UNROLL and trips is None:
        _refuse(b, node, f"it did not stop within {MAX_UNROLL} iterations")
    b.alias = saved
    _bind_outputs(b, node, src, carried, scans)


def _add_initializers(b, body) -> None:
    from onnx import numpy_helper

    for init in body.initializer:
        b.add_constant(b.alias[init.name], numpy_helper.to_array(init))


def _bind_outputs(b, node, src: str, carried: list[str], scans: list[list[str]]) -> None:
    for outer, inner in zip(node.output, carried):
        if not outer:
            continue
        if inner in b.sequences:
            b.sequences[outer] = list(b.sequences[inner])
        else:
            b.emit("Identity", [inner], [outer], {}, src)
    for outer, values in zip(node.output[len(carried):], scans):
        if not values:
            _refuse(b, node, "it runs zero iterations but has scan outputs")
        axis0 = b.constant(np.asarray([0], np.int64), f"{src}.axis0")
        parts = []
        for v in values:
            parts.append(b.fresh(f"{src}.scan"))
            b.emit("Unsqueeze", [v, axis0], [parts[-1]], {}, src)
        b.emit("Concat", parts, [outer], {"axis": 0}, src)
