"""Symbolic input dimensions bound to sizes: ``--batch``, ``--dim NAME=N``, ``--dim 'INPUT[AXIS]=N'``, a sample.

Exporters name the axes they leave free (``dynamic_axes={"dense_x": {0: "batch_size"}}``, ``Dim("B")``);
a symbol may sit on any axis of any input, and several inputs may share one.  The compiler needs every size:

- the **batch symbol** is the symbol on axis 0 of the first graph output, if an input carries it, else the one
  on axis 0 of the most inputs (ties: the first input's).  ``--batch N`` binds it (default 1: per-query mapping);
  every input axis that carries it is that input's batch axis;
- ``--dim NAME=N`` binds a symbol on every axis that carries it (``--dim batch_size=8`` is ``--batch 8``);
- ``--dim 'INPUT[AXIS]=N'`` binds one axis of one input, for inputs that share a symbol but whose sizes differ
  (the reference DLRM exporter gives its flat multi-hot id lists the batch symbol);
- ``--inputs sample.npz`` binds every symbolic axis of every input it holds to the sample's shape;
- a model without a batch symbol (fixed shapes): the inputs' common leading dimension is the batch
  (``--batch`` must equal it), on axis 0 of every input that has it, so per-query values drop it as they
  drop a symbolic batch.

An axis left unbound that is not the batch is an error naming the input, the axis and the flags that bind it.
Where a shared symbol is detected to be wrong (an EmbeddingBag's id list whose length is the lookup count, see
:func:`check_lookup_count`) the error says which inputs share it and how to bind each.  Nothing is guessed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TypeVar

from pimsim.spec.errors import SpecError

K = TypeVar("K")

MAX_DIM = 1 << 31
"""Largest size a ``--dim``/``--batch`` may give one axis (beyond it a size is surely a typo)."""

AXIS_SPEC = re.compile(r"^(?P<input>.+)\[(?P<axis>-?\d+)\]$")


@dataclass(frozen=True)
class DimBinding:
    """What the user bound: ``batch`` (``--batch``), ``symbols`` (``--dim NAME=N``), ``axes`` (``--dim
    'INPUT[AXIS]=N'``), ``sample`` (input name -> shape, from ``--inputs``).  Hashable: it keys the frontend cache."""

    batch: int | None = None
    symbols: tuple[tuple[str, int], ...] = ()
    axes: tuple[tuple[str, int, int], ...] = ()
    sample: tuple[tuple[str, tuple[int, ...]], ...] = ()


def _size(flag: str, spec: str, text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise SpecError(flag, f"{spec}: the size must be an integer") from None
    if n < 1:
        raise SpecError(flag, f"{spec}: sizes must be >= 1")
    if n > MAX_DIM:
        raise SpecError(flag, f"{spec}: {n} exceeds the largest accepted size {MAX_DIM}")
    return n


def parse_dims(specs, batch: int | None = None, sample: dict | None = None) -> DimBinding:
    """A :class:`DimBinding` from ``--dim`` specs (``NAME=N`` or ``INPUT[AXIS]=N``), ``--batch`` and a sample's
    arrays; a size bound twice differently is an error naming both."""
    if batch is not None:
        batch = _size("--batch", str(batch), str(batch))
    symbols: dict[str, int] = {}
    axes: dict[tuple[str, int], int] = {}
    for spec in specs or ():
        key, sep, value = str(spec).rpartition("=")
        if not sep or not key:
            raise SpecError("--dim", f"{spec}: expected NAME=N or INPUT[AXIS]=N")
        n = _size("--dim", spec, value)
        m = AXIS_SPEC.match(key)
        if m:
            _bind(axes, (m["input"], int(m["axis"])), n, key)
        else:
            _bind(symbols, key, n, key)
    shapes = tuple(sorted((name, tuple(int(d) for d in arr.shape)) for name, arr in (sample or {}).items()))
    return DimBinding(batch, tuple(sorted(symbols.items())), tuple(sorted((i, a, n) for (i, a), n in axes.items())),
                      shapes)


def _bind(table: dict[K, int], slot: K, n: int, key: str) -> None:
    if slot in table and table[slot] != n:
        raise SpecError("--dim", f"{key} bound twice with different sizes ({table[slot]} and {n})")
    table[slot] = n


@dataclass
class ResolvedInputs:
    """Every input's shape at the compile sizes, its batch axis, and where each symbolic axis's size came from."""

    shapes: dict[str, tuple[int, ...]]
    batch: int
    batch_symbol: str | None
    batch_axes: dict[str, int | None]
    origin: dict[tuple[str, int], str] = field(default_factory=dict)  # "batch" | "symbol" | "axis" | "sample"
    symbols: dict[tuple[str, int], str] = field(default_factory=dict)  # (input, axis) -> symbol name


def batch_symbol(inputs: dict, outputs: list) -> str | None:
    """The symbol that is the batch (module docstring); None when no input has a symbolic axis 0."""
    carried = {d for dims, _ in inputs.values() for d in dims if isinstance(d, str) and d != "?"}
    if outputs and outputs[0] and isinstance(outputs[0][0], str) and outputs[0][0] in carried:
        return outputs[0][0]
    leading = [dims[0] for dims, _ in inputs.values() if dims and isinstance(dims[0], str) and dims[0] != "?"]
    if not leading:
        return None
    counts = Counter(leading)
    top = max(counts.values())
    return next(s for s in leading if counts[s] == top)


def resolve(inputs: dict, outputs: list, binding: DimBinding, path: str) -> ResolvedInputs:
    """Shapes of ``inputs`` (name -> (dims with ints, symbol names or "?", dtype)) under ``binding``."""
    symbol = batch_symbol(inputs, outputs)
    _check_binding_names(inputs, binding, symbol)
    sample = dict(binding.sample)
    symbols = dict(binding.symbols)
    batch = _batch_size(inputs, binding, symbol, sample, path)
    if symbol is not None:
        symbols.setdefault(symbol, batch)
    axes = {(i, a): n for i, a, n in binding.axes}
    out = ResolvedInputs({}, batch, symbol, {})
    for name, (dims, _) in inputs.items():
        shape = []
        for axis, d in enumerate(dims):
            shape.append(_axis_size(name, axis, d, axes, symbols, sample, symbol, out, path))
        out.shapes[name] = tuple(shape)
        out.batch_axes[name] = next((a for a, d in enumerate(dims) if d == symbol and symbol is not None
                                     and out.origin.get((name, a)) in ("batch", "sample") and shape[a] == batch),
                                    None)
        if symbol is None and dims and dims[0] == batch:  # fixed shapes: the common leading dim is the batch
            out.batch_axes[name] = 0
    return out


def _axis_size(name, axis, d, axes, symbols, sample, symbol, out: ResolvedInputs, path) -> int:
    if isinstance(d, int):
        if (name, axis) in axes and axes[(name, axis)] != d:
            raise SpecError("--dim", f"{name}[{axis}]={axes[(name, axis)]}: that dimension is fixed to {d} in the "
                                     "model")
        if name in sample and sample[name][axis] != d:
            raise SpecError("--inputs", f"input {name} has shape {list(sample[name])}: dimension {axis} must be {d}")
        return d
    out.symbols[(name, axis)] = d
    if (name, axis) in axes:
        out.origin[(name, axis)] = "axis"
        return axes[(name, axis)]
    if name in sample:
        out.origin[(name, axis)] = "sample"
        return sample[name][axis]
    if d != "?" and d in symbols:
        out.origin[(name, axis)] = "batch" if d == symbol else "symbol"
        return symbols[d]
    what = f"({d}) is symbolic" if d != "?" else "has no size and no symbol name"
    how = f"--dim {d}=N, --dim '{name}[{axis}]=N'" if d != "?" else f"--dim '{name}[{axis}]=N'"
    raise SpecError(path, f"input {name} dimension {axis} {what}: bind it with {how} or --inputs sample.npz")


def _batch_size(inputs, binding: DimBinding, symbol, sample: dict, path: str) -> int:
    """``--batch``, else ``--dim SYMBOL=N``, else the sample's size on the batch symbol, else the model's fixed
    common leading dimension, else 1."""
    by_dim = dict(binding.symbols).get(symbol) if symbol is not None else None
    if binding.batch is not None and by_dim is not None and binding.batch != by_dim:
        raise SpecError("--dim", f"{symbol}={by_dim} disagrees with --batch {binding.batch} ({symbol} is the batch)")
    given = binding.batch if binding.batch is not None else by_dim
    from_sample = next((shape[dims.index(symbol)] for name, (dims, _) in inputs.items() if symbol in dims
                        and name in sample for shape in [sample[name]] if dims and dims[0] == symbol), None)
    if given is not None and from_sample is not None and given != from_sample:
        raise SpecError("--inputs", f"the sample's batch is {from_sample}, not {given} (--batch/--dim {symbol})")
    if given is not None:
        if symbol is None:
            for name, (dims, _) in inputs.items():
                if dims and isinstance(dims[0], int) and dims[0] != given:
                    raise SpecError(path, f"input {name} has a fixed batch of {dims[0]}: --batch {given} does not "
                                          "apply")
        return given
    if from_sample is not None:
        return from_sample
    leading = {dims[0] for dims, _ in inputs.values() if dims}
    if symbol is None and len(leading) == 1 and isinstance(next(iter(leading)), int):
        return next(iter(leading))
    return 1


def _check_binding_names(inputs: dict, binding: DimBinding, symbol: str | None) -> None:
    known = sorted({d for dims, _ in inputs.values() for d in dims if isinstance(d, str) and d != "?"})
    for name, _ in binding.symbols:
        if name not in known:
            listed = ", ".join(known) or "none: every input has fixed dimensions"
            raise SpecError("--dim", f"{name}: the model has no symbolic dimension {name} (its symbols: {listed})")
    for name, axis, _ in binding.axes:
        if name not in inputs:
            raise SpecError("--dim", f"{name}[{axis}]: the model has no input {name} (inputs: {', '.join(inputs)})")
        rank = len(inputs[name][0])
        if not 0 <= axis < rank:
            raise SpecError("--dim", f"{name}[{axis}]: input {name} has {rank} dimension(s)")
    for name, shape in binding.sample:
        if name not in inputs:
            raise SpecError("--inputs", f"array {name}: the model has no input {name} (inputs: {', '.join(inputs)})")
        if len(shape) != len(inputs[name][0]):
            raise SpecError("--inputs", f"input {name} has shape {list(shape)}: the model gives it "
                                        f"{len(inputs[name][0])} dimension(s)")


def check_lookup_count(b, ids: str, where: str) -> None:
    """An EmbeddingBag's flat id list must not take its length from the batch symbol.

    Its length is the number of lookups in the batch, a fact of the data; the reference DLRM exporter labels it
    with the batch symbol anyway.  If ``ids`` comes from an input axis whose size the batch symbol gave (not
    ``--dim 'INPUT[AXIS]=N'`` or a sample), refuse, naming the inputs that share the symbol and how to bind each.
    """
    origin = input_axis(b, ids, 0)
    resolved = b.resolved
    if origin is None or resolved is None or resolved.origin.get(origin) != "batch":
        return
    name, axis = origin
    sym = resolved.symbols[origin]
    sharing = sorted({i for (i, _), s in resolved.symbols.items() if s == sym and i != name})
    raise SpecError(b.path, f"input {name} dimension {axis} ({sym}) is the id list of EmbeddingBag {where}: its "
                            f"length is the number of lookups in the batch, not the batch, but it shares the symbol "
                            f"{sym} with {', '.join(sharing) or 'the batch'}: bind it with --dim '{name}[{axis}]=N' "
                            f"(N = ids of all bags in the batch; the batch is {b.graph.batch}: --batch or --dim "
                            f"{sym}=N) or give --inputs sample.npz")


def input_axis(b, value: str, axis: int) -> tuple[str, int] | None:
    """The (graph input, axis) whose size ``value``'s ``axis`` is, following Identity/Cast/Squeeze/Unsqueeze/
    Transpose and Gather of a scalar index; None when it comes from anywhere else."""
    producers = b.graph.producers()
    while value not in b.graph.inputs:
        node = producers.get(value)
        if node is None:
            return None
        if node.op_type in ("Identity", "Cast", "Relu", "Abs"):
            value = node.inputs[0]
        elif node.op_type == "Gather" and b.const_data(node.inputs[1]) is not None \
                and b.const_data(node.inputs[1]).ndim == 0:
            g = node.attrs.get("axis", 0) % len(b.graph.values[node.inputs[0]].shape)
            value, axis = node.inputs[0], axis + (axis >= g)
        elif node.op_type == "Transpose":
            value, axis = node.inputs[0], list(node.attrs["perm"])[axis]
        elif node.op_type in ("Squeeze", "Unsqueeze") and len(node.inputs) > 1:
            rank_out = len(b.graph.values[value].shape)
            rank_in = len(b.graph.values[node.inputs[0]].shape)
            ax = sorted(int(a) % (rank_out if node.op_type == "Unsqueeze" else rank_in)
                        for a in b.const_data(node.inputs[1]).reshape(-1))
            if node.op_type == "Unsqueeze":
                if axis in ax:
                    return None
                axis -= sum(a < axis for a in ax)
            else:
                for a in ax:
                    axis += a <= axis
            value = node.inputs[0]
        else:
            return None
    return value, axis
