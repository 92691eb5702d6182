"""``pimcompile --check``: run the emitted mapping with the NumPy semantics and onnxruntime; compare.

Random inputs are seeded (same input, same output): float inputs standard
normal; inputs that reach an index operand (Gather/EmbeddingBag indices,
possibly through Slice/Cast/Reshape as DeepCTR-Torch packs ids in a float
tensor) are uniform integers below the smallest table they index.
onnxruntime runs with graph optimisations disabled so that it computes the
model as written (no fused kernels with different rounding).
"""

from __future__ import annotations

import numpy as np

from compiler.ir.interpret import run_ops

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


def random_feeds(graph, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    limits = index_limits(graph)
    feeds = {}
    for name in graph.inputs:
        v = graph.values[name]
        if name in limits:
            feeds[name] = rng.integers(0, limits[name], size=v.shape).astype(v.dtype)
        elif np.issubdtype(np.dtype(v.dtype), np.floating):
            feeds[name] = rng.standard_normal(v.shape).astype(v.dtype)
        elif np.dtype(v.dtype) == np.bool_:
            feeds[name] = rng.integers(0, 2, size=v.shape).astype(bool)
        else:
            feeds[name] = rng.integers(0, 4, size=v.shape).astype(v.dtype)
    return feeds


def onnxruntime_outputs(onnx_path: str, feeds: dict[str, np.ndarray], outputs: list[str]) -> dict[str, np.ndarray]:
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.log_severity_level = 3
    try:
        sess = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own Fail/InvalidGraph types
        from pimsim.spec.errors import SpecError

        raise SpecError(onnx_path, f"--check: onnxruntime cannot load the model: {str(exc).splitlines()[0]}") from None
    wanted = {i.name for i in sess.get_inputs()}
    return dict(zip(outputs, sess.run(outputs, {k: v for k, v in feeds.items() if k in wanted})))


def check_against_onnxruntime(onnx_path: str, graph, mapping, weights, seed: int = 0) -> float:
    """Largest absolute difference between the mapping's outputs and onnxruntime's."""
    return compare_with_onnxruntime(onnx_path, graph, mapping, weights, seed)[0]


def compare_with_onnxruntime(onnx_path: str, graph, mapping, weights, seed: int = 0) -> tuple[float, float]:
    """(largest absolute difference, largest |onnxruntime output|) over all graph outputs."""
    feeds = random_feeds(graph, seed)
    env = dict(weights)
    env.update(feeds)
    ours = run_ops(mapping.operators, env, list(mapping.outputs))
    theirs = onnxruntime_outputs(onnx_path, feeds, list(mapping.outputs))
    worst, scale = 0.0, 0.0
    for name in mapping.outputs:
        a, b = np.asarray(ours[name], np.float64), np.asarray(theirs[name], np.float64)
        if a.shape != b.shape:
            return float("inf"), 0.0
        if a.size:
            worst = max(worst, float(np.max(np.abs(a - b))))
            scale = max(scale, float(np.max(np.abs(b))))
    return worst, scale
