"""Reference semantics of every ``op_type`` that may appear in a mapping.

``run_op(op_type, inputs, attrs)`` executes one operator on NumPy arrays (inputs in mapping order, ``None`` for
an omitted optional input) and returns its output arrays.  The compiler's IR interpreter, ``pimcompile --check``
and the functional simulator all execute mappings through it (the functional simulator substitutes crossbar
numerics for ``mvm``/``dynamic_mvm`` operators only), so a mapping means exactly what this module says.

Standard ONNX op types mean what the ONNX project's executable specification, ``onnx.reference``, computes at
opset :data:`SEMANTICS_OPSET` (28, the newest of the pinned onnx 1.23): one implementation, kept by the ONNX
project and tested against its own node tests, rather than a copy of ours (issue 23).  The compiler's frontend
rewrites older forms into that one (``axes``, split sizes, pads as inputs: ReduceSum-13, ReduceMean-18,
Split-18, Squeeze/Unsqueeze-13, Pad-18, Softmax-13); from opset 13 to 28 the supported ops changed only by new
element types and attributes whose defaults keep their meaning (``compiler/frontend/load.py``).

Our own implementations (:data:`SEMANTICS`), each for a stated reason:

- the project's op types, in the ``pim.`` namespace: ``pim.EmbeddingBag`` (pooled lookup, as
  ``torch.nn.EmbeddingBag``), ``pim.Im2Col`` (convolution patches, so that Conv becomes a crossbar product),
  ``pim.LinearMVM`` (``x @ W + b`` with a constant ``W[K, N]``: every ``mvm``);
- ``Gather``: tables stored in external data files are zero-stride views of the full shape (no memory);
  ``onnx.reference`` makes its input contiguous first, which would allocate the whole table (GBs);
- ``Pad``: ONNX allows negative pads (they crop); ``onnx.reference`` passes them to ``np.pad``, which refuses;
- ``MaxPool``/``AveragePool``: ``onnx.reference`` loops in Python over every output element (measured 4.4 s
  for one 3x3 AveragePool of a 128x32x32 map on this project's 2-core machine); ours gathers all windows at
  once with index arrays, following the same definition (ONNX Operators: AveragePool-22, MaxPool-22).

Tensors carry the model's full shape including the batch axis at the size the mapping was compiled for (batch 1
unless ``--batch``); mapping values list per-query shapes with that axis removed (``ValueInfo.batch_axis``).

NumPy only at import: ``onnx`` is imported on the first standard op (``pimsim.spec`` stays cheap to import;
``tests/tools/test_dependency_rules.py`` allows onnx in this module only).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

Semantics = Callable[[list, dict], list]
SEMANTICS: dict[str, Semantics] = {}
"""Op types with our own implementation (looked up before ``onnx.reference``)."""

SEMANTICS_OPSET = 28
"""The ONNX opset whose operator definitions standard op types follow."""


def op(*names: str):
    def register(fn: Semantics) -> Semantics:
        for name in names:
            SEMANTICS[name] = fn
        return fn

    return register


def has_semantics(op_type: str) -> bool:
    """Whether ``run_op`` can execute ``op_type`` (ours, or an ONNX op ``onnx.reference`` implements)."""
    return op_type in SEMANTICS or _reference_class(op_type) is not None


def run_op(op_type: str, inputs: list, attrs: dict, n_outputs: int | None = None) -> list:
    """Execute one operator; ``KeyError`` names an op type without semantics.

    ``n_outputs``: how many outputs the node has (ops with optional outputs: LayerNormalization, Split...);
    by default the op's own count (Split: ``num_outputs`` or the split sizes), else 1.
    """
    fn = SEMANTICS.get(op_type)
    if fn is None:
        if _reference_class(op_type) is None:
            raise KeyError(f"no reference semantics for op_type {op_type!r}")
        fn = reference_op(op_type, n_outputs)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return fn(inputs, attrs)


# ---------------------------------------------------------------------------
# Standard op types: onnx.reference


@functools.cache
def _reference_class(op_type: str) -> bool | None:
    """True when ONNX defines ``op_type`` at :data:`SEMANTICS_OPSET` (``onnx.reference`` runs every defined op,
    expanding the function-defined ones such as Gelu); None otherwise."""
    if "." in op_type:
        return None
    import onnx.defs  # deferred: onnx costs 0.3 s to import and most callers of this module never need it

    try:
        onnx.defs.get_schema(op_type, SEMANTICS_OPSET, "")
    except onnx.defs.SchemaError:
        return None
    return True


_EVALUATORS: dict[tuple, Any] = {}  # onnx.reference.ReferenceEvaluator (onnx imported on first use)
_EVALUATORS_MAX = 4096  # distinct (op, attrs, operands) combinations of one model are a few hundred


def reference_op(op_type: str, n_outputs: int | None = None) -> Semantics:
    """``op_type`` as ``onnx.reference`` computes it at :data:`SEMANTICS_OPSET`, as a :data:`Semantics`."""

    def run(x: list, a: dict) -> list:
        dtypes = tuple(None if v is None else np.asarray(v).dtype.str for v in x)
        outs = n_outputs or _default_outputs(op_type, x, a)
        key = (op_type, dtypes, outs, tuple((k, _frozen(v)) for k, v in sorted(a.items())))
        evaluator = _EVALUATORS.get(key)
        if evaluator is None:
            evaluator = _EVALUATORS[key] = _evaluator(op_type, dtypes, outs, a)
            if len(_EVALUATORS) > _EVALUATORS_MAX:
                del _EVALUATORS[next(iter(_EVALUATORS))]
        feeds = {f"x{i}": np.asarray(v) for i, v in enumerate(x) if v is not None}
        return [np.asarray(y) for y in evaluator.run(None, feeds)]

    return run


def _frozen(value):
    """A hashable, exact stand-in for an attribute value (``repr`` abbreviates large arrays)."""
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


def _evaluator(op_type: str, dtypes: tuple, n_outputs: int, attrs: dict):
    """A one-node model with typed inputs (ops defined by context-dependent functions, such as Gelu, expand only
    with their input types known)."""
    from onnx import helper
    from onnx.reference import ReferenceEvaluator

    inputs = [f"x{i}" if d is not None else "" for i, d in enumerate(dtypes)]
    outputs = [f"y{j}" for j in range(n_outputs)]
    node = helper.make_node(op_type, inputs, outputs, **_onnx_attrs(op_type, attrs))
    graph = helper.make_graph(
        [node], op_type, [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(np.dtype(d)), None)
                          for n, d in zip(inputs, dtypes) if d is not None],
        [helper.make_empty_tensor_value_info(n) for n in outputs])
    return ReferenceEvaluator(helper.make_model(graph, opset_imports=[helper.make_opsetid("", SEMANTICS_OPSET)]))


def _onnx_attrs(op_type: str, attrs: dict) -> dict:
    """Mapping attrs as ONNX attributes.  Mappings are JSON, so ConstantOfShape's tensor ``value`` travels as a
    list plus ``value_dtype``; an empty list (Transpose ``perm`` of a scalar) is ONNX's default, so it is dropped
    (``helper.make_attribute`` cannot type an empty list)."""
    from onnx import numpy_helper

    out = {k: v for k, v in attrs.items() if not (isinstance(v, (list, tuple)) and len(v) == 0)}
    if op_type == "ConstantOfShape" and "value" in out:
        value = np.asarray(out.pop("value"), dtype=out.pop("value_dtype", "float32")).reshape(1)
        out["value"] = numpy_helper.from_array(value, "value")
    return out


def _default_outputs(op_type: str, x: list, a: dict) -> int:
    if op_type == "Split":
        return int(a["num_outputs"]) if "num_outputs" in a else int(np.size(x[1]))
    return 1


# ---------------------------------------------------------------------------
# The project's op types


@op("pim.LinearMVM")
def linear_mvm(x: list, a: dict) -> list:
    """``y = x @ W (+ b)`` with ``W[K, N]`` constant: the crossbar operation."""
    y = np.matmul(x[0], x[1])
    if len(x) > 2 and x[2] is not None:
        y = y + x[2]
    return [y.astype(x[0].dtype, copy=False)]


def _conv_patches(data: np.ndarray, a: dict) -> tuple[np.ndarray, tuple[int, ...]]:
    """im2col: ``[N, C*prod(k), prod(out)]`` patches and the output spatial shape."""
    kernel = tuple(a["kernel_shape"])
    nd = len(kernel)
    strides = tuple(a.get("strides") or (1,) * nd)
    dil = tuple(a.get("dilations") or (1,) * nd)
    pads = tuple(a.get("pads") or (0,) * (2 * nd))
    padded = np.pad(data, [(0, 0), (0, 0)] + [(pads[i], pads[i + nd]) for i in range(nd)])
    out = tuple((padded.shape[2 + i] - dil[i] * (kernel[i] - 1) - 1) // strides[i] + 1 for i in range(nd))
    cols = []
    for offs in np.ndindex(*kernel):
        sl = tuple(slice(o * d, o * d + s * (n - 1) + 1, s) for o, d, s, n in zip(offs, dil, strides, out))
        cols.append(padded[(slice(None), slice(None)) + sl].reshape(data.shape[0], data.shape[1], -1))
    patches = np.stack(cols, axis=2)  # [N, C, prod(k), prod(out)]
    return patches.reshape(data.shape[0], -1, patches.shape[-1]), out


@op("pim.Im2Col")
def im2col(x: list, a: dict) -> list:
    """Patches of ``x[N, C, *spatial]`` as ``[N, prod(out), C*prod(kernel)]`` (rows feed a crossbar)."""
    patches, _ = _conv_patches(x[0], a)
    return [np.ascontiguousarray(patches.transpose(0, 2, 1))]


@op("pim.EmbeddingBag")
def embedding_bag(x: list, a: dict) -> list:
    """Pooled lookup of ``indices[..., L]`` rows of ``table[N, D]`` (``mode``: sum | mean | max).

    Pools over the L axis (kept as size 1 when ``keepdims`` is 1, as after Gather + ReduceSum).
    With a third input ``offsets[B]`` (torch.nn.EmbeddingBag's 1-D form), bag b
    holds ``indices[offsets[b]:offsets[b+1]]``; an empty bag gives zeros.
    """
    table, idx = x[0], np.asarray(x[1]).astype(np.int64)
    mode = a.get("mode", "sum")
    reducers: dict[str, Callable[..., np.ndarray]] = {"sum": np.sum, "mean": np.mean, "max": np.max}
    reduce = reducers[mode]
    if len(x) > 2 and x[2] is not None:
        offsets = list(np.asarray(x[2]).astype(np.int64)) + [idx.shape[0]]
        bags = [idx[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)]
        rows = [reduce(table[b], axis=0) if len(b) else np.zeros(table.shape[1], table.dtype) for b in bags]
        return [np.stack(rows).astype(table.dtype, copy=False)]
    return [reduce(table[idx], axis=-2, keepdims=bool(a.get("keepdims", 0))).astype(table.dtype, copy=False)]


# ---------------------------------------------------------------------------
# Standard op types where ours must differ (see the module docstring)


@op("Gather")
def gather(x: list, a: dict) -> list:
    data, idx = x[0], np.asarray(x[1]).astype(np.int64)
    axis = a.get("axis", 0) % data.ndim
    idx = np.where(idx < 0, idx + data.shape[axis], idx)
    # indexing (not np.take) reads only the selected rows, also of zero-stride views of huge tables
    return [np.asarray(data[(slice(None),) * axis + (idx,)])]


@op("Pad")
def pad(x: list, a: dict) -> list:
    """ONNX Pad-18..25: ``pads`` = [x1_begin, x2_begin, ..., x1_end, x2_end, ...] over ``axes`` (default all)."""
    data, pads = x[0], [int(p) for p in np.asarray(x[1]).reshape(-1)]
    value = x[2] if len(x) > 2 and x[2] is not None else None
    axes = [int(v) for v in np.asarray(x[3]).reshape(-1)] if len(x) > 3 and x[3] is not None else range(data.ndim)
    axes = list(axes)
    widths = [(0, 0)] * data.ndim
    for i, ax in enumerate(axes):
        widths[ax % data.ndim] = (pads[i], pads[i + len(axes)])
    mode = a.get("mode", "constant")
    if any(lo < 0 or hi < 0 for lo, hi in widths):  # negative pads crop
        crop = tuple(slice(-lo if lo < 0 else 0, data.shape[i] + hi if hi < 0 else None)
                     for i, (lo, hi) in enumerate(widths))
        data, widths = data[crop], [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
    if mode == "constant":
        fill = np.asarray(value).reshape(-1)[0] if value is not None and np.size(value) else 0
        return [np.pad(data, widths, mode="constant", constant_values=fill)]
    pad_modes: dict[str, Literal["reflect", "edge", "wrap"]] = {"reflect": "reflect", "edge": "edge", "wrap": "wrap"}
    return [np.pad(data, widths, mode=pad_modes[mode])]


def pool_geometry(spatial, a: dict) -> tuple[list[int], list[int], list[int], list[int], list[int]]:
    """(kernel, strides, dilations, pads, output sizes) of a pooling window over ``spatial`` (explicit pads).

    Output size ``floor`` (or ``ceil`` with ``ceil_mode``) of ``(in + pad_begin + pad_end - d*(k-1) - 1) / s + 1``;
    with ``ceil_mode`` a last window that would start in the end padding is dropped (ONNX AveragePool-22/MaxPool-22
    and PyTorch's rule).
    """
    k = [int(v) for v in a["kernel_shape"]]
    nd = len(k)
    s = [int(v) for v in a.get("strides") or [1] * nd]
    d = [int(v) for v in a.get("dilations") or [1] * nd]
    p = [int(v) for v in a.get("pads") or [0] * 2 * nd]
    out = []
    for i in range(nd):
        span = spatial[i] + p[i] + p[i + nd] - d[i] * (k[i] - 1) - 1
        n = -(-span // s[i]) + 1 if a.get("ceil_mode", 0) else span // s[i] + 1
        if a.get("ceil_mode", 0) and (n - 1) * s[i] >= spatial[i] + p[i]:
            n -= 1
        out.append(n)
    return k, s, d, p, out


def _pool_windows(v: np.ndarray, a: dict, fill) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(windows ``[N, C, *out, *k]``, mask of real input elements, mask of elements inside the padded input)."""
    spatial = v.shape[2:]
    k, s, d, p, out = pool_geometry(spatial, a)
    nd = len(k)
    need = [(out[i] - 1) * s[i] + d[i] * (k[i] - 1) + 1 for i in range(nd)]  # padded extent the windows reach
    extra = [max(0, need[i] - (spatial[i] + p[i] + p[i + nd])) for i in range(nd)]
    padded = np.pad(v, [(0, 0), (0, 0)] + [(p[i], p[i + nd] + extra[i]) for i in range(nd)], constant_values=fill)
    index, real, inside = [], [], []
    for i in range(nd):
        pos = np.arange(out[i])[:, None] * s[i] + np.arange(k[i])[None, :] * d[i]  # [out_i, k_i], padded coords
        shape = [1] * (2 * nd)
        shape[i], shape[nd + i] = out[i], k[i]
        index.append(pos.reshape(shape))
        real.append(((pos >= p[i]) & (pos < p[i] + spatial[i])).reshape(shape))
        inside.append((pos < spatial[i] + p[i] + p[i + nd]).reshape(shape))
    key: tuple[Any, ...] = (slice(None), slice(None), *index)
    windows = padded[key]
    return windows, functools.reduce(np.logical_and, real), functools.reduce(np.logical_and, inside)


def _check_pool_attrs(a: dict) -> None:
    if a.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID") or a.get("storage_order", 0):
        raise ValueError("pooling semantics need explicit pads and storage_order=0 (the compiler resolves auto_pad)")


@op("MaxPool")
def max_pool(x: list, a: dict) -> list:
    """ONNX MaxPool-22 (``Y`` only): the largest element of each window, padding never chosen."""
    _check_pool_attrs(a)
    v = x[0]
    lowest = np.finfo(v.dtype).min if v.dtype.kind == "f" else np.iinfo(v.dtype).min
    windows, real, _ = _pool_windows(v, a, lowest)
    nd = v.ndim - 2
    masked = np.where(real, windows, -np.inf if v.dtype.kind == "f" else lowest)
    return [masked.max(axis=tuple(range(2 + nd, 2 + 2 * nd))).astype(v.dtype)]


@op("AveragePool")
def average_pool(x: list, a: dict) -> list:
    """ONNX AveragePool-22: the mean of each window over its input elements, or with ``count_include_pad`` over
    every element inside the padded input (elements a ``ceil_mode`` window reaches beyond it never count)."""
    _check_pool_attrs(a)
    v = x[0]
    windows, real, inside = _pool_windows(v, a, 0)
    nd = v.ndim - 2
    counted = inside if a.get("count_include_pad", 0) else real
    axes = tuple(range(2 + nd, 2 + 2 * nd))
    total = np.where(counted, windows, 0).sum(axis=axes, dtype=np.float64 if v.dtype == np.float64 else None)
    return [(total / counted.sum(axis=tuple(range(nd, 2 * nd)))).astype(v.dtype)]

