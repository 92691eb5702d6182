"""Quantisation-aware forward: symmetric fake quantisation with a straight-through estimator, and range setting.

Model: q = clamp(round(x / scale), qmin, qmax), y = q * scale (round half to even, as torch.round and ONNX
QuantizeLinear do), zero point 0. Codes: signed [-2^(b-1), 2^(b-1) - 1]; an activation slot whose calibration data
had no negative value may use the unsigned range [0, 2^b - 1] (one more bit of resolution for ReLU outputs, as
PyTorch's quint8 activations; pimsim's functional model quantises a non-negative input vector unsigned too).
Gradient: straight-through where the rounded code is in range, zero where it was clamped (Bengio et al. 2013,
arXiv 1308.3432).

Weights: scale = c / (2^(b-1) - 1) with c = max|W| per tensor, or per output channel (Krishnamoorthi 2018, arXiv
1806.08342, Sec. 3.1: per-channel weight scales close most of the gap to float at low bits); or c = the clip that
minimises the squared rounding-plus-clipping error (``mse``, Nagel et al. 2021, arXiv 2106.08295, Sec. 3.4). The scale
follows the (sliced) weight at every forward, so each bit width and width slice gets its own.

Activations: one clip c per (slot, bit width) (``act_absmax[slot, bits]``), scale = c / qmax. In training mode
the clip is an exponential moving average (momentum 0.9) of the batch max|x| (in data-parallel training the maximum
over all ranks' rows, one all-reduce per slot, so every rank keeps the range one process would) unless the ranges are
frozen
(``track_ranges = False``, after calibration); in eval mode it is fixed. ``observe`` collects a slot's inputs
(a seeded subsample) so that ``recsys_models.blocks.quantize.calibrate`` can set c by max, percentile or MSE
(Wu et al. 2020, arXiv 2004.09602, Sec. 4.2). A recorded clip is at least ``_MIN_SCALE`` (an input that was all
zeros in training, e.g. a Dot-Product whose tokens all quantise to 0 and then feeds a Sum, records the floor), so 0
means only "never run in training mode". A pair never run in training mode uses the batch's own max|x| in eval mode,
and refuses to export.

ONNX form (TorchScript exporter): QuantizeLinear(int8 or uint8 zero point) -> [Clip to the b-bit range when b < 8]
-> DequantizeLinear, i.e. QDQ for 8 bits and the Brevitas-style "QCDQ" pattern below 8 bits; the bit width is
log2(clip_max - clip_min + 1). Per-channel weight scales are a 1-D scale with the QuantizeLinear ``axis`` of the
output channel (ONNX QuantizeLinear-13 per-axis form).
"""

from __future__ import annotations

import torch
from torch import nn

from recsys_models.space.choices import OpPrecision

MAX_BITS = 8
EMA_MOMENTUM = 0.9
_MIN_SCALE = 1e-8
WEIGHT_RANGES = ("max", "mse")
MSE_GRID = 100  # candidate clips c_k = max|x| * k / MSE_GRID, k = 1..MSE_GRID


def qrange(bits: int, unsigned: bool = False) -> tuple[int, int]:
    """Integer range of a ``bits``-bit code: signed two's complement, or unsigned [0, 2^b - 1]."""
    if unsigned:
        return 0, 2 ** bits - 1
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def _broadcast(scale: torch.Tensor, x: torch.Tensor, axis: int | None) -> torch.Tensor:
    if axis is None:
        return scale
    shape = [1] * x.dim()
    shape[axis] = -1
    return scale.reshape(shape)


class FakeQuant(torch.autograd.Function):
    """Fake quantisation with STE gradient and a QDQ/QCDQ ONNX symbolic (per-tensor or per-axis scale)."""

    @staticmethod
    def forward(ctx, x, scale, bits: int, unsigned: bool, axis: int | None):
        qmin, qmax = qrange(bits, unsigned)
        scale = _broadcast(scale, x, axis)
        ctx.save_for_backward(x, scale)
        ctx.qrange = (qmin, qmax)
        # NOTE: in-place chain (one temporary) because this runs on every weight of every step
        out = x / scale
        return out.round_().clamp_(qmin, qmax).mul_(scale)

    @staticmethod
    def backward(ctx, grad):
        x, scale = ctx.saved_tensors
        qmin, qmax = ctx.qrange
        code = torch.round(x / scale)  # inside = the unclamped code is representable (PyTorch's fake-quant rule)
        return grad * ((code >= qmin) & (code <= qmax)), None, None, None, None

    @staticmethod
    def symbolic(g, x, scale, bits: int, unsigned: bool, axis: int | None):
        dtype = torch.uint8 if unsigned else torch.int8
        channels = scale.type().sizes()[0] if axis is not None else None
        zero = g.op("Constant", value_t=torch.zeros(channels or (), dtype=dtype))
        extra = {} if axis is None else {"axis_i": axis}
        q = g.op("QuantizeLinear", x, scale, zero, **extra)
        if bits < 8:
            qmin, qmax = qrange(bits, unsigned)
            lo = g.op("Constant", value_t=torch.tensor(qmin, dtype=dtype))
            hi = g.op("Constant", value_t=torch.tensor(qmax, dtype=dtype))
            q = g.op("Clip", q, lo, hi)
        return g.op("DequantizeLinear", q, scale, zero, **extra)


def fake_quant(x: torch.Tensor, scale: torch.Tensor, bits: int, unsigned: bool = False,
               axis: int | None = None) -> torch.Tensor:
    """Fake-quantise ``x`` to ``bits`` with a scalar ``scale``, or a 1-D one along ``axis`` (STE backward)."""
    if torch.onnx.is_in_onnx_export():
        # the scale is a constant of the exported model: bake it in (through numpy, which the tracer cannot follow)
        # rather than export its computation from the weights or the recorded range
        scale = torch.from_numpy(scale.detach().to(torch.float32).cpu().numpy().copy())
    return FakeQuant.apply(x, scale, bits, unsigned, axis)


def quant_mse(x: torch.Tensor, clip: torch.Tensor, bits: int, unsigned: bool) -> torch.Tensor:
    """Mean squared error of quantising each row of ``x`` [R, N] with its clip ``clip`` [R] -> [R].

    The error counts both rounding (inside the clip) and clipping (outside), scale = clip / qmax.
    """
    qmin, qmax = qrange(bits, unsigned)
    if not unsigned:
        qmin = -qmax  # the symmetric range the scale is defined on; -2^(b-1) is never closer for |x| <= clip
    scale = (clip / qmax).clamp_min(_MIN_SCALE).unsqueeze(1)
    return ((x / scale).round_().clamp_(qmin, qmax).mul_(scale).sub_(x)).square_().mean(dim=1)


def mse_clip(x: torch.Tensor, bits: int, unsigned: bool = False, grid: int = MSE_GRID) -> torch.Tensor:
    """Per row of ``x`` [R, N], the clip among max|x_r| * k / grid (k = 1..grid) minimising ``quant_mse`` -> [R].

    Ties go to the largest clip, so a row where clipping never helps keeps max|x|.
    """
    top = x.abs().amax(dim=1)
    best_clip, best_err = top.clone(), quant_mse(x, top, bits, unsigned)
    for k in range(grid - 1, 0, -1):  # one [R, N] temporary at a time: weights reach 1024 x 1024
        clip = top * (k / grid)
        err = quant_mse(x, clip, bits, unsigned)
        better = err < best_err
        best_clip = torch.where(better, clip, best_clip)
        best_err = torch.where(better, err, best_err)
    return best_clip


def weight_scale(weight: torch.Tensor, bits: int, axis: int | None = None, method: str = "max") -> torch.Tensor:
    """Scale c / (2^(b-1) - 1), detached: per tensor (0-d) or one per index of ``axis`` (1-D).

    ``method``: c = max|W| (``max``) or the MSE-optimal clip of ``mse_clip`` (``mse``).
    """
    w = weight.detach()
    rows = w.reshape(1, -1) if axis is None else w.movedim(axis, 0).reshape(w.shape[axis], -1)
    if method == "max":
        clip = torch.linalg.vector_norm(rows, ord=float("inf"), dim=1)
    elif method == "mse":
        clip = mse_clip(rows, bits)
    else:
        raise ValueError(f"weight range method must be one of {WEIGHT_RANGES}, got {method!r}")
    scale = (clip / qrange(bits)[1]).clamp_min(_MIN_SCALE)
    return scale.reshape(()) if axis is None else scale


def _max_over_ranks(value: torch.Tensor) -> None:
    """In data-parallel training, the maximum over every rank's rows (what one process would see), in place.

    Every rank runs the same subnet, so every rank reaches the same quantisers in the same order (a valid collective).
    """
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        dist.all_reduce(value, op=dist.ReduceOp.MAX)


class OpQuant(nn.Module):
    """The quantisers of one operator: its weights and named activation slots, at the precision set per forward.

    ``precision`` is ``None`` (floating point) or an ``OpPrecision``; the caller sets it before each forward
    (the supernet) or once at construction (a standalone model).

    State (in the ``state_dict``): ``act_absmax[slot, bits]`` the activation clip, ``act_unsigned[slot, bits]`` 1
    where that range is [0, clip] with unsigned codes, ``weight_axis_mode`` 1 for per-output-channel weight scales,
    ``weight_mse`` 1 for MSE-clipped weight scales. Checkpoints written before the last three existed load with
    today's meaning of their absence: signed, per-tensor, max.
    Not persisted: ``track_ranges`` (training mode updates the EMA; False once calibrated) and ``observe`` (a
    dict that ``a`` fills with activation samples while calibrating; meanwhile weights and activations pass in
    float, so every operator observes the float model's activations).
    """

    def __init__(self, slots: tuple[str, ...]):
        super().__init__()
        self.slots = slots
        self.register_buffer("act_absmax", torch.zeros(len(slots), MAX_BITS + 1))
        self.register_buffer("act_unsigned", torch.zeros(len(slots), MAX_BITS + 1))
        self.register_buffer("weight_axis_mode", torch.zeros(()))
        self.register_buffer("weight_mse", torch.zeros(()))
        self.precision: OpPrecision | None = None
        self.track_ranges = True
        self.observe: dict | None = None

    _DEFAULT_ABSENT = {"act_unsigned": 0.0, "weight_axis_mode": 0.0, "weight_mse": 0.0}

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        for name, value in self._DEFAULT_ABSENT.items():
            if prefix + "act_absmax" in state_dict and prefix + name not in state_dict:
                state_dict[prefix + name] = torch.full_like(getattr(self, name), value)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    @property
    def per_channel(self) -> bool:
        return bool(self.weight_axis_mode.item())

    def set_weight_ranges(self, per_channel: bool, method: str) -> None:
        """Weight scales per output channel or per tensor, from max|W| or the MSE-optimal clip."""
        if method not in WEIGHT_RANGES:
            raise ValueError(f"weight range method must be one of {WEIGHT_RANGES}, got {method!r}")
        self.weight_axis_mode.fill_(float(per_channel))
        self.weight_mse.fill_(float(method == "mse"))

    def quantized(self) -> OpPrecision:
        """``precision``, on the paths that run only when the operator is quantised (ranges, calibration)."""
        if self.precision is None:
            raise AssertionError("a floating-point operator has no quantisation ranges")
        return self.precision

    def w(self, weight: torch.Tensor, out_axis: int = 0) -> torch.Tensor:
        """Fake-quantised ``weight``; ``out_axis`` is its output-channel axis (0 for [out, in], 1 for [in, out])."""
        if self.precision is None or self.observe is not None:  # calibration observes the float model
            return weight
        bits = self.precision.weight_bits
        axis = out_axis if self.per_channel else None
        method = "mse" if self.weight_mse.item() else "max"
        return fake_quant(weight, weight_scale(weight, bits, axis, method), bits, axis=axis)

    def a(self, x: torch.Tensor, slot: str) -> torch.Tensor:
        if self.precision is None:
            return x
        if self.observe is not None:
            self.observe.setdefault(slot, []).append(x.detach())
            return x
        i, bits = self.slots.index(slot), self.precision.act_bits
        return fake_quant(x, self.act_scale(x, slot), bits, unsigned=bool(self.act_unsigned[i, bits].item()))

    def code_range(self, slot: str) -> tuple[int, int]:
        """(qmin, qmax) of slot ``slot`` at the current activation bits."""
        bits = self.quantized().act_bits
        return qrange(bits, bool(self.act_unsigned[self.slots.index(slot), bits].item()))

    def act_scale(self, x: torch.Tensor, slot: str) -> torch.Tensor:
        """The scale slot ``slot`` quantises ``x`` with (training mode: after updating the slot's range)."""
        bits = self.quantized().act_bits
        i = self.slots.index(slot)
        if self.training and self.track_ranges:
            self._update_ema(x, i, bits)
        absmax = self.act_absmax[i, bits]
        if not self.training and absmax.item() == 0.0:
            # this (operator, bits) pair never ran in training mode: no range was recorded
            if torch.onnx.is_in_onnx_export():
                raise ValueError(f"activation range of slot {slot!r} at {bits} bits was never calibrated; "
                                 "run the model in training mode on some data before exporting")
            absmax = torch.linalg.vector_norm(x.detach(), ord=float("inf"))  # dynamic range of this batch
        return (absmax / self.code_range(slot)[1]).clamp_min(_MIN_SCALE)

    @torch.no_grad()
    def _update_ema(self, x: torch.Tensor, i: int, bits: int) -> None:
        # floored: an all-zero input (e.g. a Dot-Product whose tokens all round to code 0) is a recorded range too,
        # and 0 is reserved for "never calibrated"
        batch = torch.linalg.vector_norm(x.detach(), ord=float("inf")).clamp_min(_MIN_SCALE)
        _max_over_ranks(batch)
        old = self.act_absmax[i, bits]
        seen = old > _MIN_SCALE  # a floor-only history is replaced by the first non-zero batch, not averaged
        self.act_absmax[i, bits] = torch.where(seen, EMA_MOMENTUM * old + (1 - EMA_MOMENTUM) * batch, batch)

    def set_range(self, slot: str, bits: int, clip: float, unsigned: bool) -> None:
        """Fix slot ``slot``'s clip at ``bits`` (calibration), floored at ``_MIN_SCALE``."""
        i = self.slots.index(slot)
        self.act_absmax[i, bits] = max(float(clip), _MIN_SCALE)
        self.act_unsigned[i, bits] = float(unsigned)

    def copy_ranges_from(self, other: OpQuant) -> None:
        self.act_absmax.copy_(other.act_absmax)
        self.act_unsigned.copy_(other.act_unsigned)
        self.weight_axis_mode.copy_(other.weight_axis_mode)
        self.weight_mse.copy_(other.weight_mse)
