"""Control flow: ``If`` with a constant condition is inlined (``Loop`` is in ``loop.py``).

ONNX signature implemented:
  If-13/16/19/21(cond; then_branch, else_branch) -> outputs...   (cond must fold to a constant)
Legacy DCN exports an If whose condition is computed from shapes; with the
batch fixed it folds, and the chosen branch's nodes are lowered in place of
the If (their internal values renamed so they cannot clash).
"""

from __future__ import annotations

import numpy as np
from compiler.frontend.limits import Unsupported
from compiler.frontend.ops import node_name, renamed_node


def If(b, node, attrs: dict) -> None:
    from onnx import numpy_helper

    src = node_name(node)
    cond = b.const_data(node.input[0])
    if cond is None:
        raise Unsupported(b.path, src, "If", "data-dependent condition",
                          "only conditions that fold to constants once the batch is fixed")
    branch = attrs["then_branch"] if bool(np.asarray(cond).reshape(-1)[0]) else attrs["else_branch"]
    prefix = b.fresh(src)
    renamed = _rename_branch(branch, prefix)
    for init in branch.initializer:
        b.add_constant(renamed.get(init.name, init.name), numpy_helper.to_array(init))
    for sub in branch.node:
        b.lower(renamed_node(sub, renamed, f"{src}/{sub.name or sub.op_type}"))
    for inner, outer in zip(branch.output, node.output):
        b.emit("Identity", [renamed.get(inner.name, b.alias.get(inner.name, inner.name))], [outer], {}, src)


def _rename_branch(branch, prefix: str) -> dict[str, str]:
    """Names defined inside the branch get a prefix; outer-scope names stay."""
    defined = {i.name for i in branch.initializer} | {o for n in branch.node for o in n.output if o}
    return {name: f"{prefix}/{name}" for name in defined}
