"""A NumPy interpreter of the IR and of mappings, using ``pimsim.spec.semantics``.

Any sequence of objects with ``op_type``, ``inputs``, ``outputs`` and
``attrs`` (IR nodes, mapping operators) runs the same way, so ``--check``
executes exactly what is written to mapping.json.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from pimsim.spec.semantics import run_op


def run_ops(ops: Iterable, env: dict[str, np.ndarray], outputs: list[str]) -> dict[str, np.ndarray]:
    """Execute ``ops`` in order starting from ``env`` (inputs and constants); return ``outputs``."""
    env = dict(env)
    for op in ops:
        args = [env[name] if name else None for name in op.inputs]
        results = run_op(op.op_type, args, dict(op.attrs), len(op.outputs))
        for name, res in zip(op.outputs, results):
            if name:
                env[name] = np.asarray(res)
    return {name: env[name] for name in outputs}


def run_graph(graph, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Run an :class:`~compiler.ir.graph.OpGraph` on ``feeds`` (full shapes at the compile batch)."""
    env = {n: v.data for n, v in graph.values.items() if v.constant and v.data is not None}
    env.update(feeds)
    return run_ops(graph.nodes, env, graph.outputs)
