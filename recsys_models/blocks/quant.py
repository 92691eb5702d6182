"""Quantisation-aware forward: symmetric per-tensor fake quantisation with a straight-through estimator.

Model: q = clamp(round(x / scale), -2^(b-1), 2^(b-1) - 1), y = q * scale (round half to even, as torch.round and
ONNX QuantizeLinear do). Gradient: straight-through where the rounded code round(x / scale) is in range, zero where it was clamped (the usual STE; Bengio et
al. 2013, arXiv 1308.3432). Weight scale = max|W| / (2^(b-1) - 1), from the (sliced) weight itself, so each bit width
gets its own scale. Activation scale = an exponential moving average (momentum 0.9) of the batch max|x|, kept
separately per bit width (``act_absmax[slot, bits]``) and frozen in eval mode. In data-parallel training the batch
max|x| is the maximum over all ranks' rows (one all-reduce per slot), so every rank keeps the range one process
would. A recorded range is at least
``_MIN_SCALE`` (an input that was all zeros in training, e.g. a Dot-Product whose tokens all quantise to 0 and then
feeds a Sum, records the floor), so 0 means only "never run in training mode". A pair never run in training mode
(e.g. a precision a short supernet run never drew for that operator) uses the batch's own max|x| in eval mode, and
refuses to export.

ONNX form (TorchScript exporter): QuantizeLinear(int8 zero point) -> [Clip to the b-bit range when b < 8] ->
DequantizeLinear, i.e. int8 QDQ for 8 bits and the Brevitas-style "QCDQ" pattern below 8 bits; the bit width is
log2(clip_max - clip_min + 1).
"""

from __future__ import annotations

import torch
from torch import nn

MAX_BITS = 8
EMA_MOMENTUM = 0.9
_MIN_SCALE = 1e-8


def qrange(bits: int) -> tuple[int, int]:
    """Signed integer range of a ``bits``-bit code."""
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


class FakeQuant(torch.autograd.Function):
    """Fake quantisation with STE gradient and a QDQ/QCDQ ONNX symbolic."""

    @staticmethod
    def forward(ctx, x, scale, bits: int):
        qmin, qmax = qrange(bits)
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
        return grad * ((code >= qmin) & (code <= qmax)), None, None

    @staticmethod
    def symbolic(g, x, scale, bits: int):
        zero = g.op("Constant", value_t=torch.tensor(0, dtype=torch.int8))
        q = g.op("QuantizeLinear", x, scale, zero)
        if bits < 8:
            qmin, qmax = qrange(bits)
            lo = g.op("Constant", value_t=torch.tensor(qmin, dtype=torch.int8))
            hi = g.op("Constant", value_t=torch.tensor(qmax, dtype=torch.int8))
            q = g.op("Clip", q, lo, hi)
        return g.op("DequantizeLinear", q, scale, zero)


def fake_quant(x: torch.Tensor, scale: torch.Tensor, bits: int) -> torch.Tensor:
    """Fake-quantise ``x`` to ``bits`` with a scalar ``scale`` (STE backward)."""
    if torch.onnx.is_in_onnx_export():
        # the scale is a constant of the exported model: bake it in rather than export the max|W| computation
        scale = torch.tensor(float(scale), dtype=torch.float32)
    return FakeQuant.apply(x, scale, bits)


def weight_scale(weight: torch.Tensor, bits: int) -> torch.Tensor:
    """max|W| / (2^(b-1) - 1), detached (the scale follows the weights, it is not learned)."""
    return (torch.linalg.vector_norm(weight.detach(), ord=float("inf")) / qrange(bits)[1]).clamp_min(_MIN_SCALE)


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
    """

    def __init__(self, slots: tuple[str, ...]):
        super().__init__()
        self.slots = slots
        self.register_buffer("act_absmax", torch.zeros(len(slots), MAX_BITS + 1))
        self.precision = None

    def w(self, weight: torch.Tensor) -> torch.Tensor:
        if self.precision is None:
            return weight
        bits = self.precision.weight_bits
        return fake_quant(weight, weight_scale(weight, bits), bits)

    def a(self, x: torch.Tensor, slot: str) -> torch.Tensor:
        if self.precision is None:
            return x
        return fake_quant(x, self.act_scale(x, slot), self.precision.act_bits)

    def act_scale(self, x: torch.Tensor, slot: str) -> torch.Tensor:
        """The scale slot ``slot`` quantises ``x`` with (training mode: after updating the slot's range)."""
        bits = self.precision.act_bits
        i = self.slots.index(slot)
        if self.training:
            with torch.no_grad():
                # floored: an all-zero input (e.g. a Dot-Product whose tokens all round to code 0) is a recorded
                # range too, and 0 is reserved for "never calibrated"
                batch = torch.linalg.vector_norm(x.detach(), ord=float("inf")).clamp_min(_MIN_SCALE)
                _max_over_ranks(batch)
                old = self.act_absmax[i, bits]
                seen = old > _MIN_SCALE  # a floor-only history is replaced by the first non-zero batch, not averaged
                self.act_absmax[i, bits] = torch.where(seen, EMA_MOMENTUM * old + (1 - EMA_MOMENTUM) * batch, batch)
        absmax = self.act_absmax[i, bits]
        if not self.training and absmax.item() == 0.0:
            # this (operator, bits) pair never ran in training mode: no range was recorded
            if torch.onnx.is_in_onnx_export():
                raise ValueError(f"activation range of slot {slot!r} at {bits} bits was never calibrated; "
                                 "run the model in training mode on some data before exporting")
            absmax = torch.linalg.vector_norm(x.detach(), ord=float("inf"))  # dynamic range of this batch
        return (absmax / qrange(bits)[1]).clamp_min(_MIN_SCALE)

    def copy_ranges_from(self, other: OpQuant) -> None:
        self.act_absmax.copy_(other.act_absmax)
