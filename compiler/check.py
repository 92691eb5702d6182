"""``pimcompile --check``: run the emitted mapping with the NumPy semantics and onnxruntime; compare.

Random inputs are seeded (same input, same output): float inputs standard
normal; inputs that reach an index operand (Gather/EmbeddingBag indices,
possibly through Slice/Cast/Reshape as DeepCTR-Torch packs ids in a float
tensor) are uniform integers below the smallest table they index.
onnxruntime runs with graph optimisations disabled so that it computes the
model as written (no fused kernels with different rounding).

Quantised models: float sums in a different order differ by ~1e-7 relative,
and an activation that lands within that of a QuantizeLinear rounding
boundary (x / scale = k + 0.5) rounds to k on one side and k + 1 on the other.
One flipped code moves everything downstream by up to one quantisation step
times the weights (measured: 1.8e-4 on the probability of a 4-bit NASRec-Full
subnet from a 6e-7 activation difference). So the codes of every activation
QuantizeLinear are compared with onnxruntime's as they are produced: a code
exactly one step away whose input is within the float tolerance of the
boundary between the two codes is a *boundary flip*, and onnxruntime's code
is used downstream; any other differing code is *unexplained* and fails the
check, as does an output beyond the float tolerance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pimsim.spec.errors import SpecError
from pimsim.spec.semantics import run_op

CHECK_TOLERANCE = 1e-5  # float32 sums in another order: ~1e-7 relative, so 1e-5 x max(1, |output|)


@dataclass
class CodeStats:
    """QuantizeLinear codes compared: total, boundary flips, unexplained mismatches (count, first tensor)."""

    codes: int = 0
    flips: int = 0
    unexplained: int = 0
    first_unexplained: str | None = None

    def note_unexplained(self, name: str, count: int) -> None:
        if count:
            self.unexplained += count
            self.first_unexplained = self.first_unexplained or name


@dataclass(frozen=True)
class CheckResult:
    """error: largest |mapping - onnxruntime| over the outputs; scale: largest |onnxruntime output|."""

    error: float
    scale: float
    codes: CodeStats

    def passed(self, tolerance: float = CHECK_TOLERANCE) -> bool:
        return self.codes.unexplained == 0 and self.error <= tolerance * max(1.0, self.scale)


PASS_THROUGH = {"Slice", "Cast", "Reshape", "Unsqueeze", "Squeeze", "Flatten", "Identity", "Split", "Transpose",
                "Concat", "Gather", "pim.EmbeddingBag"}


def index_limits(graph) -> dict[str, int]:
    """For each graph input that feeds an index operand: the exclusive upper bound of valid ids."""
    limits: dict[str, int] = {}
    users = graph.consumers()
    for name in graph.inputs:
        bound = _walk(graph, name, users, set())
        if bound is not None:
            limits[name] = bound
    return limits


def _walk(graph, name, users, seen) -> int | None:
    best = None
    for n in users.get(name, []):
        if id(n) in seen:
            continue
        seen.add(id(n))
        if n.op_type in ("Gather", "pim.EmbeddingBag") and len(n.inputs) > 1 and n.inputs[1] == name:
            axis = n.attrs.get("axis", 0)
            rows = graph.values[n.inputs[0]].shape[axis]
            best = rows if best is None else min(best, rows)
        elif n.op_type in PASS_THROUGH:
            for out in n.outputs:
                sub = _walk(graph, out, users, seen)
                if sub is not None:
                    best = sub if best is None else min(best, sub)
    return best


def offset_inputs(graph) -> dict[str, int]:
    """Graph inputs that reach the ``offsets`` operand of a ``pim.EmbeddingBag`` -> the length of its id list."""
    users = graph.consumers()
    found: dict[str, int] = {}
    for name in graph.inputs:
        stack, seen = [name], set()
        while stack:
            value = stack.pop()
            for n in users.get(value, []):
                if id(n) in seen:
                    continue
                seen.add(id(n))
                if n.op_type == "pim.EmbeddingBag" and len(n.inputs) > 2 and n.inputs[2] == value:
                    ids = graph.values[n.inputs[1]].shape[0]
                    found[name] = min(found.get(name, ids), ids)
                elif n.op_type in PASS_THROUGH and n.op_type != "pim.EmbeddingBag":
                    stack.extend(o for o in n.outputs if o)
    return found


def random_offsets(rng, shape: tuple, n_ids: int, dtype) -> np.ndarray:
    """Valid EmbeddingBag offsets along the last axis: each row starts at 0 and never decreases, within the ids."""
    rows = np.sort(rng.integers(0, n_ids + 1, size=shape), axis=-1)
    rows[..., 0] = 0
    return rows.astype(dtype)


def random_feeds(graph, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    limits = index_limits(graph)
    offsets = offset_inputs(graph)
    feeds = {}
    for name in graph.inputs:
        v = graph.values[name]
        if name in offsets:
            feeds[name] = random_offsets(rng, v.shape, offsets[name], v.dtype)
        elif name in limits:
            feeds[name] = rng.integers(0, limits[name], size=v.shape).astype(v.dtype)
        elif np.issubdtype(np.dtype(v.dtype), np.floating):
            feeds[name] = rng.standard_normal(v.shape).astype(v.dtype)
        elif np.dtype(v.dtype) == np.bool_:
            feeds[name] = rng.integers(0, 2, size=v.shape).astype(bool)
        else:
            feeds[name] = rng.integers(0, 4, size=v.shape).astype(v.dtype)
    return feeds


def sample_feeds(graph, sample: dict, path: str) -> dict[str, np.ndarray]:
    """``--inputs`` arrays as feeds: every graph input present, ids integer, shapes as compiled."""
    feeds = {}
    for name in graph.inputs:
        v = graph.values[name]
        if name not in sample:
            raise SpecError(path, f"has no array for input {name} (--check runs on the sample: give every input)")
        x = sample[name]
        if tuple(x.shape) != tuple(v.shape):
            raise SpecError(path, f"input {name} has shape {list(x.shape)}, compiled as {list(v.shape)}")
        if np.dtype(v.dtype).kind in "iu" and x.dtype.kind not in "iub":
            raise SpecError(path, f"input {name} is {x.dtype}: expected integers ({v.dtype})")
        feeds[name] = x.astype(v.dtype, copy=False)
    return feeds


def external_constants(onnx_path: str, graph) -> dict[str, np.ndarray]:
    """The constants the frontend left in external data files (large tables), read for ``--check``."""
    import onnx
    from onnx import external_data_helper, numpy_helper

    wanted = {n for n, v in graph.values.items() if v.external}
    if not wanted:
        return {}
    base = str(Path(onnx_path).resolve().parent)
    out = {}
    for init in onnx.load(onnx_path, load_external_data=False).graph.initializer:
        if init.name in wanted:
            external_data_helper.load_external_data_for_tensor(init, base)
            init.data_location = onnx.TensorProto.DEFAULT
            out[init.name] = numpy_helper.to_array(init)
    return out


def onnxruntime_outputs(onnx_path: str, feeds: dict[str, np.ndarray], outputs: list[str],
                        extra: Sequence[str] = ()) -> dict[str, np.ndarray]:
    """onnxruntime's ``outputs`` plus the intermediate tensors ``extra`` that exist in the model."""
    import onnxruntime as ort  # deferred: the `dev` extra, and heavy; only --check runs it

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.log_severity_level = 4  # fatal only: a failure is reported as one line below, not as ORT's log
    try:
        model, names = _with_outputs(onnx_path, outputs, extra)
        sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own Fail/InvalidGraph types
        raise SpecError(onnx_path, f"--check: onnxruntime cannot load the model: {str(exc).splitlines()[0]}") from None
    wanted = {i.name for i in sess.get_inputs()}
    try:
        results = sess.run(names, {k: v for k, v in feeds.items() if k in wanted})
    except Exception as exc:  # noqa: BLE001 - onnxruntime's Fail/RuntimeException types
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        batch = next((int(v.shape[0]) for v in feeds.values() if np.ndim(v)), None)
        hint = " (a model may be valid only above batch 1, e.g. one that squeezes every size-1 axis: try --batch 2)" \
            if batch == 1 else ""
        raise SpecError(onnx_path, f"--check: onnxruntime cannot run the model on these inputs: {first}{hint}") \
            from None
    return dict(zip(names, results))


def _with_outputs(onnx_path: str, outputs: list[str], extra: Sequence[str]):
    """(the model or its serialised copy with ``extra`` intermediates as graph outputs, the names to fetch)."""
    if not extra:
        return onnx_path, list(outputs)
    import onnx

    proto = onnx.shape_inference.infer_shapes(onnx.load(onnx_path))
    typed = {v.name: v for v in (*proto.graph.value_info, *proto.graph.output)}
    names, present = list(outputs), {o.name for o in proto.graph.output}
    for name in extra:
        if name in typed and name not in names:
            if name not in present:
                proto.graph.output.append(typed[name])
            names.append(name)
    return proto.SerializeToString(), names


def check_against_onnxruntime(onnx_path: str, graph, mapping, weights, seed: int = 0) -> float:
    """Largest absolute difference between the mapping's outputs and onnxruntime's."""
    return compare_with_onnxruntime(onnx_path, graph, mapping, weights, seed)[0]


def compare_with_onnxruntime(onnx_path: str, graph, mapping, weights, seed: int = 0) -> tuple[float, float]:
    """(largest absolute difference, largest |onnxruntime output|) over all graph outputs (see ``run_check``)."""
    result = run_check(onnx_path, graph, mapping, weights, seed)
    return result.error, result.scale


def run_check(onnx_path: str, graph, mapping, weights, seed: int = 0,
              tolerance: float = CHECK_TOLERANCE, feeds: dict | None = None) -> CheckResult:
    """Run the mapping and onnxruntime on the same seeded inputs; compare quantised codes, then outputs.

    Codes of every activation QuantizeLinear are compared as they are produced (``reconcile_codes``): a code one
    step away from onnxruntime's where the input sits within float rounding of the rounding boundary is replaced by
    onnxruntime's, so both sides continue from the same codes; any other mismatch is counted as unexplained.
    """
    feeds = random_feeds(graph, seed) if feeds is None else feeds
    weights = {**weights, **external_constants(onnx_path, graph)}
    ops = list(mapping.operators)
    quantized = [op.outputs[0] for op in ops if op.op_type == "QuantizeLinear" and op.outputs and op.outputs[0]]
    theirs = onnxruntime_outputs(onnx_path, feeds, list(mapping.outputs), extra=quantized)
    env = {**weights, **feeds}
    stats = CodeStats()
    for op in ops:
        args = [env[name] if name else None for name in op.inputs]
        results = run_op(op.op_type, args, dict(op.attrs), len(op.outputs))
        for name, res in zip(op.outputs, results, strict=False):
            if name:
                env[name] = np.asarray(res)
        if op.op_type == "QuantizeLinear" and op.outputs[0] in theirs:
            name = op.outputs[0]
            env[name] = reconcile_codes(name, args, dict(op.attrs), env[name], theirs[name], tolerance, stats)
    worst, scale = 0.0, 0.0
    for name in mapping.outputs:
        a, b = np.asarray(env[name], np.float64), np.asarray(theirs[name], np.float64)
        if a.shape != b.shape:
            return CheckResult(float("inf"), 0.0, stats)
        if a.size:
            worst = max(worst, float(np.max(np.abs(a - b))))
            scale = max(scale, float(np.max(np.abs(b))))
    return CheckResult(worst, scale, stats)


def reconcile_codes(name: str, args: list, attrs: dict, ours: np.ndarray, theirs: np.ndarray, tolerance: float,
                    stats: CodeStats) -> np.ndarray:
    """The codes to continue with after QuantizeLinear ``name`` (``args`` = x, scale, zero point; ``attrs`` its
    axis): onnxruntime's where ours differ by exactly one step and x is within ``tolerance * max(1, max|x|)`` of
    the boundary between the two codes (the midpoint of their dequantised values), i.e. where float rounding
    upstream decided the direction; ours elsewhere (counted as unexplained).
    """
    stats.codes += int(ours.size)
    if ours.shape != theirs.shape or ours.dtype != theirs.dtype:
        stats.note_unexplained(name, int(ours.size))
        return ours
    differ = ours != theirs
    if not differ.any():
        return ours
    x = np.asarray(args[0], np.float64)
    lo, hi = (run_op("DequantizeLinear", [codes, *args[1:]], attrs)[0].astype(np.float64)
              for codes in (np.minimum(ours, theirs), np.maximum(ours, theirs)))
    near = np.abs(x - (lo + hi) / 2) <= tolerance * max(1.0, float(np.max(np.abs(x), initial=0.0)))
    one_step = np.abs(ours.astype(np.int64) - theirs.astype(np.int64)) == 1
    explained = differ & one_step & near
    stats.flips += int(explained.sum())
    stats.note_unexplained(name, int((differ & ~explained).sum()))
    return np.where(explained, theirs, ours)
