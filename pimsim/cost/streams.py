"""Row streams under ``pipeline: element``: which inputs an operator reads row by row, how much of each is resident.

Model (ISAAC's inter-layer pipeline, Shafiee et al., ISCA 2016, Sec. 3 and Fig. 3: a layer starts once the rows
of its input that its first windows need have been produced, and its input buffer holds only the rows its kernels
still slide over; MNSIM 2.0 pipelines inside and between layers by default -- thu-nics/MNSIM-2.0 ``main.py``:
``-DisPipe`` "Disable inner layer pipeline in latency modeling, default: false", hence
``Model_latency.calculate_model_latency(mode=1)``, which fills a layer's input kernel window by kernel window
(``mode=0``: row by row); rows are the coarser of the two).  A feature map of logical shape ``[..., C, H, W]``
(a kept batch axis of 1 allowed) is stored in raster order with channels innermost -- a convolution's crossbar
writes one ``C``-word output vector per position, ``[H x W, C]``, which the graph then reads through
Transpose/Reshape aliases -- so a *row* is the ``C x W`` words of one ``H`` index, and
a producer that writes rows in order lets a consumer start once the rows it needs exist.

Stream readers of an activation input (every other reader needs the input complete and resident whole):

- a crossbar operator reading a ``window`` view (a convolution), and a pooling vector operator (``MaxPool``,
  ``AveragePool``): the first output row needs ``r = (k_0 - 1) d_0 + 1 - pad_top`` input rows; resident: the
  line buffer (``line_buffer_words``, "(k-1) rows plus k pixels");
- an element-wise vector operator (Relu, Add, BN as a vector op, ...) all of whose activation inputs are feature
  maps of its output's shape: one row first; resident: the rows written before this operator reads them.  A row
  of an input that is *ahead* of the others (a residual skip connection read by Add) waits for the slower inputs:
  resident ``1 + ceil((lag(out) - lag(in)) x H)`` rows, where ``lag`` (a fraction of the map) grows by
  ``lead / H`` at every window or pool on the way (``lead = (k_0 - 1) d_0 - pad_top`` rows beyond the aligned
  one).  A ResNet basic block (two 3x3 convs, pads 1) thus holds its input for ``1 + 2 = 3`` rows;
- a reduction over exactly the spatial axes (``GlobalAveragePool``, which the frontend writes as a ``ReduceMean``,
  ``GlobalMaxPool``): accumulates row by row; one row resident, its work spread over every input row.

A value is streamed only when it is stored by one operator (or is a graph input) and read whole (not a range).
The compiler's capacity decision (``pimsim.cost.buffers.resident_sizes``), the simulator's lowering
(``pimsim.program.lower``) and the mapper's estimate (``compiler.cost.estimate``) all take the streams from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from pimsim.cost.views import parts_of, resolve_views

ELEMENTWISE = frozenset({
    "Relu", "LeakyRelu", "PRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Elu", "Selu", "Softplus",
    "Add", "Sub", "Mul", "Div", "Max", "Min", "Neg", "Abs", "Sqrt", "Exp", "BatchNormalization", "Identity",
})
"""Operators whose every output element depends only on the same element of each (same-shape) input."""
POOLS = frozenset({"MaxPool", "AveragePool"})
GLOBAL_POOLS = frozenset({"GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "ReduceMax", "ReduceSum"})
"""Reductions over the spatial axes (the frontend writes GlobalAveragePool as a ReduceMean over them)."""


@dataclass(frozen=True)
class RowStream:
    """One input an operator reads row by row."""

    stored: str
    """The stored value the input is (its producer writes rows in order; a graph input arrives in order)."""
    first_rows: int
    """Input rows that must exist before the operator's first output row."""
    rows: int
    """Input rows ``H``."""
    out_rows: int
    """Rows the operator's work is spread over (its output rows; every input row for a global pool)."""
    resident_words: int
    """Words of the input this reader keeps resident."""


def _prod(xs) -> int:
    out = 1
    for x in xs:
        out *= int(x)
    return out


def _window(attrs: dict, nd: int, h: int) -> tuple[int, int, int]:
    """(rows first needed, output rows, lead rows) of a sliding window over ``h`` input rows."""
    kernel = list(attrs["kernel_shape"])
    dil = (attrs.get("dilations") or [1] * nd)[0]
    stride = (attrs.get("strides") or [1] * nd)[0]
    pads = attrs.get("pads") or [0] * 2 * nd
    reach = (kernel[0] - 1) * dil
    first = min(h, max(1, reach + 1 - pads[0]))
    out = (h + pads[0] + pads[nd] - reach - 1) // stride + 1
    return first, max(1, out), max(0, reach - pads[0])


def line_buffer_words(channels: int, spatial: list[int], kernel: list[int], dilations: list[int]) -> int:
    """Words a sliding window over a ``channels x spatial`` input (raster order, channels innermost) keeps
    resident: every word from the oldest one a window still needs to the newest one it reads,

        channels x (1 + sum_i (k_i - 1) x d_i x prod_{j > i} S_j),

    which for a 2-D ``k x k`` kernel (dilation 1) over ``H x W x C`` is ``(k-1) x W x C + k x C`` (ISAAC's
    "(k-1) rows plus k pixels").  Padding words are generated, not stored."""
    span = 1
    for i, (k, d) in enumerate(zip(kernel, dilations)):
        stride_words = 1
        for s in spatial[i + 1:]:
            stride_words *= s
        span += (k - 1) * d * stride_words
    return channels * min(span, _prod(spatial))


def line_words(shape: list[int], attrs: dict, nd: int) -> int:
    """Line-buffer words of a window (kernel, dilations in ``attrs``) over a value of logical ``shape``."""
    kernel = list(attrs["kernel_shape"])
    dil = list(attrs.get("dilations") or [1] * nd)
    return line_buffer_words(_prod(shape[:-nd]), list(shape[-nd:]), kernel, dil)


def row_streams(ops, shapes: dict[str, list[int]], size_bits: dict[str, int],
                constants) -> dict[int, dict[str, RowStream]]:
    """Operator index -> {input name as the operator lists it -> :class:`RowStream`} (module docstring).

    ``ops``: operators in schedule order (``kind``, ``op_type``, ``inputs``, ``outputs``, ``attrs``, ``layout``
    for views); ``shapes``: per-query logical shape of every value; ``size_bits``: per-query bits."""
    parts = resolve_views(ops, size_bits, constants)
    fm: dict[str, int] = {}  # value -> spatial rank: a feature map stored in raster order
    lag: dict[str, Fraction] = {}
    window_of = {o: op for op in ops if op.kind == "view" and getattr(op, "layout", "") == "window" for o in op.outputs}
    for op in ops:  # seeds: what windows and pools read is a feature map
        if op.kind == "view" and getattr(op, "layout", "") == "window":
            fm[op.inputs[0]] = len(op.attrs["kernel_shape"])
        elif op.op_type in POOLS and op.attrs.get("kernel_shape"):
            fm[op.inputs[0]] = len(op.attrs["kernel_shape"])
    acts = lambda op: [n for n in op.inputs if n and n not in constants]  # noqa: E731
    out: dict[int, dict[str, RowStream]] = {}

    def is_map(name: str, nd: int) -> bool:
        return fm.get(name) == nd and len(shapes[name]) >= nd + 1

    def single(name: str) -> str | None:
        ps = parts_of(parts, name, size_bits)
        if len(ps) != 1 or ps[0].bits != size_bits[ps[0].value]:
            return None
        return ps[0].value

    def stream(name: str, first: int, out_rows: int, words: int, nd: int) -> RowStream | None:
        stored = single(name)
        if stored is None:
            return None
        return RowStream(stored, first, shapes[name][-nd], out_rows, words)

    for oi, op in enumerate(ops):
        ins = acts(op)
        base = max((lag.get(n, Fraction(0)) for n in ins), default=Fraction(0))
        for o in op.outputs:
            lag[o] = base
        if op.kind == "view":
            x = op.inputs[0]
            if getattr(op, "layout", "") == "window":
                nd = len(op.attrs["kernel_shape"])
                _, _, lead = _window(op.attrs, nd, shapes[x][-nd])
                lag[op.outputs[0]] = lag.get(x, Fraction(0)) + Fraction(lead, shapes[x][-nd])
            elif getattr(op, "layout", "") == "alias" and x in fm:  # a conv's [H x W, C] seen as [1, C, H, W]
                for o in op.outputs:
                    fm.setdefault(o, fm[x])
            continue
        mine: dict[str, RowStream] = {}
        if op.kind == "mvm":
            for n in ins:
                view = window_of.get(n)
                if view is None or not is_map(view.inputs[0], len(view.attrs["kernel_shape"])):
                    continue
                x, nd = view.inputs[0], len(view.attrs["kernel_shape"])
                first, rows_out, _ = _window(view.attrs, nd, shapes[x][-nd])
                s = stream(x, first, rows_out, line_words(shapes[x], view.attrs, nd), nd)
                if s is not None:
                    mine[n] = s
                    for o in op.outputs:
                        fm[o] = nd
        elif op.kind == "vector" and op.op_type in POOLS and op.attrs.get("kernel_shape") and len(ins) == 1:
            x, nd = ins[0], len(op.attrs["kernel_shape"])
            if is_map(x, nd):
                first, rows_out, lead = _window(op.attrs, nd, shapes[x][-nd])
                s = stream(x, first, rows_out, line_words(shapes[x], op.attrs, nd), nd)
                if s is not None:
                    mine[x] = s
                    fm[op.outputs[0]] = nd
                    lag[op.outputs[0]] = lag.get(x, Fraction(0)) + Fraction(lead, shapes[x][-nd])
        elif op.kind == "vector" and op.op_type in GLOBAL_POOLS and len(ins) == 1 and op.outputs:
            x, y = ins[0], op.outputs[0]
            nd = fm.get(x, 0)
            sx, sy = list(shapes[x]), list(shapes[y])
            if nd >= 1 and is_map(x, nd) and sy[:len(sx) - nd] == sx[:-nd] and all(d == 1 for d in sy[len(sx) - nd:]):
                h = shapes[x][-nd]
                s = stream(x, 1, h, _prod(shapes[x]) // h, nd)
                if s is not None:
                    mine[x] = s
        elif op.kind == "vector" and op.op_type in ELEMENTWISE and ins and op.outputs:
            y = op.outputs[0]
            nds = {fm.get(n) for n in ins}
            common = next(iter(nds)) if len(nds) == 1 else None  # the inputs' spatial rank, when they share one
            if common is not None and all(is_map(n, common) and _core(shapes[n]) == _core(shapes[y]) for n in ins):
                h = shapes[y][-common]
                got = {n: stream(n, 1, h, (1 + _ceil(base - lag.get(n, Fraction(0)), h)) * (_prod(shapes[n]) // h),
                                 common) for n in ins}
                if all(s is not None for s in got.values()):
                    mine.update(got)
                    fm[y] = common
        if mine:
            out[oi] = mine
    return out


def _core(shape) -> list[int]:
    """The shape without leading axes of 1 (a kept batch axis of 1 does not change the layout)."""
    shape = [int(d) for d in shape]
    while len(shape) > 1 and shape[0] == 1:
        shape = shape[1:]
    return shape


def _ceil(frac: Fraction, h: int) -> int:
    x = frac * h
    return -(-x.numerator // x.denominator)


def mapping_streams(mapping) -> dict[int, dict[str, RowStream]]:
    """:func:`row_streams` of a ``pimsim.spec.mapping.Mapping``; empty unless it pipelines rows (``element``)."""
    if mapping.pipeline != "element":
        return {}
    shapes = {v.name: list(v.shape) for v in mapping.values}
    bits = {v.name: v.size_bits for v in mapping.values}
    consts = {v.name for v in mapping.values if v.constant}
    return row_streams(mapping.operators, shapes, bits, consts)
