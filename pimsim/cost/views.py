"""Views as addressing: which stored values a view's output is, and the views that cannot be addressed.

A view (``kind: view``) moves no data: its output is a name for parts of
values already written to a tile buffer, and its consumer reads those parts
where they are (PIMCOMP and PUMA compilers likewise write a producer's result
where its consumer reads it, and give loads an address and a width; reference
1.10).  Layouts (``pimsim.spec.mapping.ViewOp``):

- ``alias`` (Reshape, Flatten, Squeeze, Unsqueeze, Identity, zero Pad,
  Transpose): the input's parts, read whole.  A Transpose changes the element
  order, not the storage: its consumer reads every stored word once (a crossbar
  operator's operand fetch is broadcast on the tile bus and each PE's input
  register latches its own elements; the vector unit reads whole words), so the
  parts are marked *permuted*;
- ``concat``: the inputs' parts in order, each left where it was written;
- ``range`` (Split, Slice, a Gather of one contiguous run): one address range
  of a single, unpermuted stored part.  A range of a concatenation or of a
  permuted (transposed) value is not one range of storage: it cannot be
  addressed, and the compiler emits such a slice as a ``copy`` instead.

A part is ``(value, bits, key)``: the stored value, the bits of it addressed,
and what moves when a consumer on another tile needs it (the value itself, or
the range, named by the range view's output).  Data cross tiles only over the
NoC, part by part.
"""

from __future__ import annotations

from dataclasses import dataclass


class ViewError(ValueError):
    """A view whose layout cannot be addressed; ``op`` names the operator."""

    def __init__(self, op: str, reason: str):
        super().__init__(f"operator {op}: {reason}")
        self.op = op


@dataclass(frozen=True)
class Part:
    value: str
    """The stored value (output of a non-view operator, or a graph input)."""
    bits: int
    """Bits of it the view addresses."""
    key: str
    """What is delivered to another tile: ``value`` for a whole value, else the range view's output name."""
    permuted: bool = False
    """Read in another element order (through a Transpose): no range of it is contiguous."""


def resolve_views(ops, size_bits: dict[str, int], constants) -> dict[str, tuple[Part, ...]]:
    """Parts of every activation value: ``(Part(v, bits, v),)`` for a stored value, the resolved parts for a
    view's output.

    ``ops`` are operators in schedule order with ``name``, ``kind``, ``op_type``, ``inputs``, ``outputs`` and,
    for views, ``layout``; ``size_bits[v]`` is a value's per-query size; ``constants`` the constant values.
    Raises :class:`ViewError` for a view that cannot be addressed.
    """
    parts: dict[str, tuple[Part, ...]] = {}

    def of(name: str) -> tuple[Part, ...]:
        return parts_of(parts, name, size_bits)

    for op in ops:
        if op.kind != "view":
            continue
        acts = [n for n in op.inputs if n and n not in constants]
        layout = getattr(op, "layout", "alias")
        if layout == "concat":
            parts[op.outputs[0]] = tuple(p for n in acts for p in of(n))
        elif layout == "alias":
            permuted = "Transpose" in op.op_type
            parts[op.outputs[0]] = tuple(Part(p.value, p.bits, p.key, p.permuted or permuted) for p in of(acts[0]))
        else:
            source = of(acts[0])
            if len(source) != 1:
                raise ViewError(op.name, f"a range ({op.op_type}) of a concatenation of {len(source)} stored values "
                                         "is not one address range: it cannot be addressed")
            if source[0].permuted:
                raise ViewError(op.name, f"a range ({op.op_type}) of a transposed value is not one address range: "
                                         "it cannot be addressed")
            for out in op.outputs:
                parts[out] = (Part(source[0].value, size_bits[out], out),)
    return parts


def parts_of(parts: dict[str, tuple[Part, ...]], name: str, size_bits: dict[str, int]) -> tuple[Part, ...]:
    """The parts of ``name`` (itself when it is not a view's output)."""
    got = parts.get(name)
    return got if got is not None else (Part(name, size_bits[name], name),)
