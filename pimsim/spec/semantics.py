"""Reference NumPy semantics of every ``op_type`` that may appear in a mapping.

One function per op type, registered in :data:`SEMANTICS`; each takes the
operator's input arrays (in mapping order, ``None`` for an omitted optional
input) and its ``attrs`` dict, and returns the list of output arrays.  The
compiler's IR interpreter and the functional simulator both execute mappings
with these functions (the functional simulator substitutes crossbar numerics
for ``mvm``/``dynamic_mvm`` operators only), so a mapping means exactly what
this module says.

Conventions
-----------
- Standard op types follow the ONNX operator specification at opset 21
  (https://onnx.ai/onnx/operators/), in the *latest* form: axes, split sizes,
  shapes and pads are inputs where ONNX made them inputs (ReduceSum-13,
  ReduceMean-18, Split-18, Squeeze/Unsqueeze-13, Slice-13).  The compiler's
  frontend rewrites older forms into these.
- Tensors carry the model's full shape including a leading batch axis of the
  size the mapping was compiled for (batch 1 unless ``--batch``); mapping
  values list per-query shapes with that axis removed (``ValueInfo.batch_axis``).
- Project op types live in the ``pim.`` namespace:
  ``pim.EmbeddingBag`` (pooled lookup, as ``torch.nn.EmbeddingBag``),
  ``pim.Im2Col`` (convolution patches, so that Conv becomes a crossbar MatMul),
  ``pim.LinearMVM`` (``x @ W + b`` with a constant ``W[K, N]``: every ``mvm``).

numpy only: no onnx import here (``pimsim.spec`` stays importable everywhere).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Semantics = Callable[[list, dict], list]
SEMANTICS: dict[str, Semantics] = {}

# ONNX TensorProto.DataType codes (onnx/onnx.proto3) -> numpy dtypes, for Cast.
ONNX_DTYPES = {
    1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32, 7: np.int64,
    9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64,
}


def op(*names: str):
    def register(fn: Semantics) -> Semantics:
        for name in names:
            SEMANTICS[name] = fn
        return fn

    return register


def run_op(op_type: str, inputs: list, attrs: dict) -> list:
    """Execute one operator; ``KeyError`` names an op type without semantics."""
    try:
        fn = SEMANTICS[op_type]
    except KeyError:
        raise KeyError(f"no reference semantics for op_type {op_type!r}") from None
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return fn(inputs, attrs)


def _axes(value, default=None):
    if value is None:
        return default
    return tuple(int(a) for a in np.asarray(value).reshape(-1))


# ---------------------------------------------------------------------------
# Linear algebra


@op("Gemm")
def gemm(x: list, a: dict) -> list:
    A, B = x[0], x[1]
    C = x[2] if len(x) > 2 else None
    A = A.T if a.get("transA", 0) else A
    B = B.T if a.get("transB", 0) else B
    y = a.get("alpha", 1.0) * (A @ B)
    if C is not None:
        y = y + a.get("beta", 1.0) * C
    return [y.astype(A.dtype, copy=False)]


@op("MatMul")
def matmul(x: list, a: dict) -> list:
    return [np.matmul(x[0], x[1])]


@op("pim.LinearMVM")
def linear_mvm(x: list, a: dict) -> list:
    """``y = x @ W (+ b)`` with ``W[K, N]`` constant: the crossbar operation."""
    y = np.matmul(x[0], x[1])
    if len(x) > 2 and x[2] is not None:
        y = y + x[2]
    return [y.astype(x[0].dtype, copy=False)]


@op("Einsum")
def einsum(x: list, a: dict) -> list:
    return [np.einsum(a["equation"], *x)]


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


@op("Conv")
def conv(x: list, a: dict) -> list:
    data, w = x[0], x[1]
    group = a.get("group", 1)
    attrs = dict(a, kernel_shape=a.get("kernel_shape") or list(w.shape[2:]))
    outs = []
    cin, cout = data.shape[1] // group, w.shape[0] // group
    for g in range(group):
        patches, out = _conv_patches(data[:, g * cin:(g + 1) * cin], attrs)
        wg = w[g * cout:(g + 1) * cout].reshape(cout, -1)
        outs.append(np.einsum("ok,nkp->nop", wg, patches).reshape(data.shape[0], cout, *out))
    y = np.concatenate(outs, axis=1)
    if len(x) > 2 and x[2] is not None:
        y = y + x[2].reshape((1, -1) + (1,) * (y.ndim - 2))
    return [y.astype(data.dtype, copy=False)]


# ---------------------------------------------------------------------------
# Lookups


@op("Gather")
def gather(x: list, a: dict) -> list:
    data, idx = x[0], np.asarray(x[1]).astype(np.int64)
    axis = a.get("axis", 0)
    idx = np.where(idx < 0, idx + data.shape[axis], idx)
    # indexing (not np.take) reads only the selected rows, also of zero-stride views of huge tables
    return [np.asarray(data[(slice(None),) * (axis % data.ndim) + (idx,)])]


@op("GatherND")
def gather_nd(x: list, a: dict) -> list:
    data, idx = x[0], np.asarray(x[1]).astype(np.int64)
    b = a.get("batch_dims", 0)
    batch_shape = data.shape[:b]
    flat_data = data.reshape((-1,) + data.shape[b:])
    flat_idx = idx.reshape((-1,) + idx.shape[b:])
    outs = []
    for i in range(flat_data.shape[0]):
        d, ix = flat_data[i], flat_idx[i]
        k = ix.shape[-1]
        ix = np.where(ix < 0, ix + np.array(d.shape[:k]), ix)
        outs.append(d[tuple(np.moveaxis(ix, -1, 0))])
    out = np.stack(outs)
    return [out.reshape(batch_shape + out.shape[1:])]


@op("GatherElements")
def gather_elements(x: list, a: dict) -> list:
    data, idx = x[0], np.asarray(x[1]).astype(np.int64)
    axis = a.get("axis", 0)
    idx = np.where(idx < 0, idx + data.shape[axis], idx)
    return [np.take_along_axis(data, idx, axis=axis)]


@op("pim.EmbeddingBag")
def embedding_bag(x: list, a: dict) -> list:
    """Pooled lookup of ``indices[..., L]`` rows of ``table[N, D]`` (``mode``: sum | mean | max).

    Pools over the L axis (kept as size 1 when ``keepdims`` is 1, as after Gather + ReduceSum).
    With a third input ``offsets[B]`` (torch.nn.EmbeddingBag's 1-D form), bag b
    holds ``indices[offsets[b]:offsets[b+1]]``; an empty bag gives zeros.
    """
    table, idx = x[0], np.asarray(x[1]).astype(np.int64)
    mode = a.get("mode", "sum")
    reduce = {"sum": np.sum, "mean": np.mean, "max": np.max}[mode]
    if len(x) > 2 and x[2] is not None:
        offsets = list(np.asarray(x[2]).astype(np.int64)) + [idx.shape[0]]
        bags = [idx[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)]
        rows = [reduce(table[b], axis=0) if len(b) else np.zeros(table.shape[1], table.dtype) for b in bags]
        return [np.stack(rows).astype(table.dtype, copy=False)]
    return [reduce(table[idx], axis=-2, keepdims=bool(a.get("keepdims", 0))).astype(table.dtype, copy=False)]


# ---------------------------------------------------------------------------
# Reductions (axes as an optional input, ONNX ReduceSum-13 / ReduceMean-18 form)


def _reduce(fn):
    def run(x: list, a: dict) -> list:
        axes = _axes(x[1] if len(x) > 1 else None)
        if axes is None or len(axes) == 0:
            if a.get("noop_with_empty_axes", 0):
                return [x[0]]
            axes = None
        return [np.asarray(fn(x[0], axis=axes, keepdims=bool(a.get("keepdims", 1)))).astype(x[0].dtype)]

    return run


for _name, _fn in {"ReduceSum": np.sum, "ReduceMean": np.mean, "ReduceMax": np.max, "ReduceMin": np.min,
                   "ReduceProd": np.prod}.items():
    SEMANTICS[_name] = _reduce(_fn)


@op("ReduceL2")
def reduce_l2(x: list, a: dict) -> list:
    axes = _axes(x[1] if len(x) > 1 else None)
    return [np.sqrt(np.sum(x[0] * x[0], axis=axes, keepdims=bool(a.get("keepdims", 1)))).astype(x[0].dtype)]


@op("ArgMax")
def argmax(x: list, a: dict) -> list:
    y = np.argmax(x[0], axis=a.get("axis", 0))
    return [np.expand_dims(y, a.get("axis", 0)) if a.get("keepdims", 1) else y]


# ---------------------------------------------------------------------------
# Element-wise arithmetic and nonlinearities (numpy broadcasting = ONNX multidirectional broadcasting)


def _binary(fn):
    def run(x: list, a: dict) -> list:
        return [np.asarray(fn(x[0], x[1])).astype(np.result_type(x[0], x[1]), copy=False)]

    return run


for _name, _fn in {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply}.items():
    SEMANTICS[_name] = _binary(_fn)


@op("Div")
def div(x: list, a: dict) -> list:
    if np.issubdtype(x[0].dtype, np.integer):
        return [np.trunc(x[0] / x[1]).astype(x[0].dtype)]
    return [np.divide(x[0], x[1]).astype(np.result_type(x[0], x[1]), copy=False)]


@op("Mod")
def mod(x: list, a: dict) -> list:
    return [np.fmod(x[0], x[1]) if a.get("fmod", 0) else np.mod(x[0], x[1])]


@op("Pow")
def pow_(x: list, a: dict) -> list:
    return [np.power(x[0], x[1]).astype(x[0].dtype, copy=False)]


def _unary(fn):
    def run(x: list, a: dict) -> list:
        return [np.asarray(fn(x[0])).astype(x[0].dtype, copy=False)]

    return run


for _name, _fn in {
    "Relu": lambda v: np.maximum(v, 0), "Sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v)), "Tanh": np.tanh,
    "Exp": np.exp, "Log": np.log, "Sqrt": np.sqrt, "Neg": np.negative, "Abs": np.abs, "Reciprocal": np.reciprocal,
    "Floor": np.floor, "Ceil": np.ceil, "Erf": None, "Identity": lambda v: v, "Not": np.logical_not,
    "Softplus": lambda v: np.log1p(np.exp(v)), "Sign": np.sign,
}.items():
    if _fn is not None:
        SEMANTICS[_name] = _unary(_fn)


@op("Erf")
def erf(x: list, a: dict) -> list:
    # Abramowitz & Stegun 7.1.26 is only 1.5e-7 accurate; use math.erf element-wise for exactness.
    import math

    return [np.vectorize(math.erf, otypes=[x[0].dtype])(x[0])]


@op("LeakyRelu")
def leaky_relu(x: list, a: dict) -> list:
    v = x[0]
    return [np.where(v >= 0, v, v * a.get("alpha", 0.01)).astype(v.dtype)]


@op("PRelu")
def prelu(x: list, a: dict) -> list:
    v, slope = x[0], x[1]
    return [np.where(v >= 0, v, v * slope).astype(v.dtype)]


@op("Elu")
def elu(x: list, a: dict) -> list:
    v = x[0]
    return [np.where(v > 0, v, a.get("alpha", 1.0) * (np.exp(v) - 1)).astype(v.dtype)]


@op("HardSigmoid")
def hard_sigmoid(x: list, a: dict) -> list:
    v = x[0]
    return [np.clip(a.get("alpha", 0.2) * v + a.get("beta", 0.5), 0, 1).astype(v.dtype)]


@op("Gelu")
def gelu(x: list, a: dict) -> list:
    """ONNX Gelu-20: exact (erf) or ``approximate="tanh"``."""
    import math

    v = x[0].astype(np.float64)
    if a.get("approximate", "none") == "tanh":
        y = 0.5 * v * (1 + np.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3)))
    else:
        y = 0.5 * v * (1 + np.vectorize(math.erf)(v / math.sqrt(2)))
    return [y.astype(x[0].dtype)]


@op("Clip")
def clip(x: list, a: dict) -> list:
    lo = x[1] if len(x) > 1 and x[1] is not None else None
    hi = x[2] if len(x) > 2 and x[2] is not None else None
    return [np.clip(x[0], lo, hi).astype(x[0].dtype)]


def _variadic(fn, mean=False):
    def run(x: list, a: dict) -> list:
        y = x[0]
        for v in x[1:]:
            y = fn(y, v)
        return [(y / len(x)).astype(x[0].dtype) if mean else y]

    return run


SEMANTICS.update(Max=_variadic(np.maximum), Min=_variadic(np.minimum), Sum=_variadic(np.add),
                 Mean=_variadic(np.add, mean=True))


@op("Softmax")
def softmax(x: list, a: dict) -> list:
    v, axis = x[0], a.get("axis", -1)
    e = np.exp(v - np.max(v, axis=axis, keepdims=True))
    return [(e / np.sum(e, axis=axis, keepdims=True)).astype(v.dtype)]


@op("LogSoftmax")
def log_softmax(x: list, a: dict) -> list:
    v, axis = x[0], a.get("axis", -1)
    s = v - np.max(v, axis=axis, keepdims=True)
    return [(s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))).astype(v.dtype)]


@op("LayerNormalization")
def layer_norm(x: list, a: dict) -> list:
    v, scale = x[0], x[1]
    bias = x[2] if len(x) > 2 else None
    axis = a.get("axis", -1) % v.ndim
    axes = tuple(range(axis, v.ndim))
    mean = v.mean(axis=axes, keepdims=True)
    var = ((v - mean) ** 2).mean(axis=axes, keepdims=True)
    y = (v - mean) / np.sqrt(var + a.get("epsilon", 1e-5)) * scale
    if bias is not None:
        y = y + bias
    return [y.astype(v.dtype)]


@op("BatchNormalization")
def batch_norm(x: list, a: dict) -> list:
    v, scale, bias, mean, var = x[:5]
    shape = (1, -1) + (1,) * (v.ndim - 2)
    y = (v - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + a.get("epsilon", 1e-5))
    return [(y * scale.reshape(shape) + bias.reshape(shape)).astype(v.dtype)]


def _compare(fn):
    def run(x: list, a: dict) -> list:
        return [fn(x[0], x[1])]

    return run


for _name, _fn in {"Equal": np.equal, "Less": np.less, "Greater": np.greater, "LessOrEqual": np.less_equal,
                   "GreaterOrEqual": np.greater_equal, "And": np.logical_and, "Or": np.logical_or}.items():
    SEMANTICS[_name] = _compare(_fn)


@op("Where")
def where(x: list, a: dict) -> list:
    return [np.where(x[0], x[1], x[2])]


@op("Cast")
def cast(x: list, a: dict) -> list:
    return [np.asarray(x[0]).astype(ONNX_DTYPES[a["to"]])]


@op("CastLike")
def cast_like(x: list, a: dict) -> list:
    return [np.asarray(x[0]).astype(np.asarray(x[1]).dtype)]


@op("QuantizeLinear")
def quantize_linear(x: list, a: dict) -> list:
    """ONNX QuantizeLinear-21 (per-tensor or per-axis, round half to even, saturate)."""
    v, scale = x[0], x[1]
    zp = x[2] if len(x) > 2 and x[2] is not None else np.zeros((), np.uint8)
    scale, zpb = _per_axis(scale, v, a), _per_axis(zp, v, a)
    info = np.iinfo(zp.dtype)
    q = np.rint(v / scale) + zpb.astype(np.int64)
    return [np.clip(q, info.min, info.max).astype(zp.dtype)]


@op("DequantizeLinear")
def dequantize_linear(x: list, a: dict) -> list:
    v, scale = x[0], x[1]
    zp = x[2] if len(x) > 2 and x[2] is not None else np.zeros((), v.dtype)
    scale, zpb = _per_axis(scale, v, a), _per_axis(zp, v, a)
    return [((v.astype(np.int64) - zpb.astype(np.int64)) * scale).astype(scale.dtype)]


def _per_axis(p: np.ndarray, v: np.ndarray, a: dict) -> np.ndarray:
    if np.ndim(p) == 0 or np.size(p) == 1:
        return np.asarray(p).reshape(())
    shape = [1] * v.ndim
    shape[a.get("axis", 1) % v.ndim] = -1
    return np.asarray(p).reshape(shape)


# ---------------------------------------------------------------------------
# Data movement: views (Reshape, Flatten, Squeeze, Unsqueeze, Identity) and copies


@op("Reshape")
def reshape(x: list, a: dict) -> list:
    data, shape = x[0], [int(s) for s in np.asarray(x[1]).reshape(-1)]
    if not a.get("allowzero", 0):
        shape = [data.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return [data.reshape(shape)]


@op("Flatten")
def flatten(x: list, a: dict) -> list:
    v, axis = x[0], a.get("axis", 1) % (x[0].ndim + 1) if x[0].ndim else 0
    lead = int(np.prod(v.shape[:axis], dtype=np.int64))
    return [v.reshape(lead, -1)]


@op("Squeeze")
def squeeze(x: list, a: dict) -> list:
    axes = _axes(x[1] if len(x) > 1 else None)
    return [np.squeeze(x[0], axis=axes)]


@op("Unsqueeze")
def unsqueeze(x: list, a: dict) -> list:
    axes = _axes(x[1])
    rank = x[0].ndim + len(axes)
    return [np.expand_dims(x[0], tuple(sorted(ax % rank for ax in axes)))]


@op("Transpose")
def transpose(x: list, a: dict) -> list:
    perm = a.get("perm")
    return [np.transpose(x[0], perm)]


@op("Concat")
def concat(x: list, a: dict) -> list:
    return [np.concatenate([v for v in x if v is not None], axis=a["axis"])]


@op("Split")
def split(x: list, a: dict) -> list:
    v, axis = x[0], a.get("axis", 0)
    sizes = x[1] if len(x) > 1 and x[1] is not None else None
    if sizes is None:
        n = a["num_outputs"]
        chunk = -(-v.shape[axis] // n)
        sizes = [min(chunk, v.shape[axis] - i * chunk) for i in range(n)]
    bounds = np.cumsum([int(s) for s in np.asarray(sizes).reshape(-1)])[:-1]
    return list(np.split(v, bounds, axis=axis))


@op("Slice")
def slice_(x: list, a: dict) -> list:
    data = x[0]
    starts, ends = np.asarray(x[1]).reshape(-1), np.asarray(x[2]).reshape(-1)
    axes = _axes(x[3] if len(x) > 3 else None, tuple(range(len(starts))))
    steps = x[4] if len(x) > 4 and x[4] is not None else np.ones(len(starts), np.int64)
    index = [slice(None)] * data.ndim
    for s, e, ax, st in zip(starts, ends, axes, np.asarray(steps).reshape(-1)):
        dim = data.shape[ax]
        s, e, st = int(s), int(e), int(st)
        s = s + dim if s < 0 else s
        e = e + dim if e < 0 else e
        if st > 0:
            s, e = min(max(s, 0), dim), min(max(e, 0), dim)
        else:
            s, e = min(max(s, -1), dim - 1), min(max(e, -1), dim - 1)
        index[ax % data.ndim] = slice(s, e if e >= 0 else None, st)
    return [data[tuple(index)]]


@op("Expand")
def expand(x: list, a: dict) -> list:
    shape = tuple(int(s) for s in np.asarray(x[1]).reshape(-1))
    out = np.broadcast_shapes(x[0].shape, shape)
    return [np.array(np.broadcast_to(x[0], out))]


@op("Tile")
def tile(x: list, a: dict) -> list:
    return [np.tile(x[0], tuple(int(r) for r in np.asarray(x[1]).reshape(-1)))]


@op("Shape")
def shape(x: list, a: dict) -> list:
    dims = np.array(x[0].shape, dtype=np.int64)
    start, end = a.get("start", 0), a.get("end")
    return [dims[start:end]]


@op("Size")
def size(x: list, a: dict) -> list:
    return [np.array(np.size(x[0]), dtype=np.int64)]


@op("ConstantOfShape")
def constant_of_shape(x: list, a: dict) -> list:
    value = np.asarray(a.get("value", [0.0]), dtype=a.get("value_dtype", "float32"))
    return [np.full(tuple(int(s) for s in np.asarray(x[0]).reshape(-1)), value.reshape(-1)[0], dtype=value.dtype)]


@op("Range")
def range_(x: list, a: dict) -> list:
    start, limit, delta = (np.asarray(v).reshape(()) for v in x[:3])
    return [np.arange(start, limit, delta).astype(start.dtype)]


@op("CumSum")
def cumsum(x: list, a: dict) -> list:
    axis = int(np.asarray(x[1]).reshape(()))
    v = x[0]
    if a.get("reverse", 0):
        v = np.flip(v, axis)
    y = np.cumsum(v, axis=axis)
    if a.get("exclusive", 0):
        y = y - v
    return [np.flip(y, axis) if a.get("reverse", 0) else y.astype(x[0].dtype)]


@op("Pad")
def pad(x: list, a: dict) -> list:
    """ONNX Pad-18: ``pads`` = [x1_begin, x2_begin, ..., x1_end, x2_end, ...] over ``axes`` (default all)."""
    data, pads = x[0], [int(p) for p in np.asarray(x[1]).reshape(-1)]
    value = x[2] if len(x) > 2 and x[2] is not None else None
    axes = _axes(x[3] if len(x) > 3 else None, tuple(range(data.ndim)))
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
    return [np.pad(data, widths, mode={"reflect": "reflect", "edge": "edge", "wrap": "wrap"}[mode])]
