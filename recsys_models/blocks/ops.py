"""NASRec operators with elastic (sliced) weights and per-operator fake quantisation.

Source: facebookresearch/NasRec@79bf6f99 ``nasrec/supernet/modules.py`` as summarised in reference A.4. Each class
is built at its largest sizes (the supernet) or at exactly one architecture's sizes (a standalone model); the same
``forward`` serves both, with ``OpInputs`` carrying the chosen widths and, in the supernet, the column selections.

Project definitions where A.4 leaves room (documented in docs/supernet.md):
- Dot-Product always projects the dense input to 16 and always applies the output linear (NASRec skips them when
  the widths already match), so that standalone and supernet compute the same function for every width.
- Gating and Sum always project the padded width D to d (NASRec skips when D equals dmax). Neither has an activation.
- Attention quantises its input, token linear, q/k/v, output and FFN weights; the softmax runs in floating point.
Quantised activation slots per operator are listed in ``SLOTS``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import nn

from recsys_models.blocks.elastic import Cols, ElasticLinear
from recsys_models.blocks.quant import OpQuant

EMB = 16  # NASRec embedding dim [A.2]
HEADS = 8  # nn.MultiheadAttention(16, 8) [A.4]
DS_TOKENS = 8  # DS_INTERACT_NUM_SPLITS [A.4]
ATTN_LN_INIT = 0.17  # first residual LayerNorm weight initialisation [A.4]

SLOTS = {"fc": ("in",), "dot": ("dense", "sparse", "t"), "gating": ("left", "right"), "sum": ("left", "right"),
         "efc": ("in",), "attention": ("in",)}


def dot_tokens(d: int) -> int:
    """k = round(sqrt(2 d)): tokens the Dot-Product keeps (45 for d = 1024) [A.4]."""
    return int(round(math.sqrt(2 * d)))


@dataclass
class OpInputs:
    """What a block hands to its operators.

    dense : [B, Din] concatenated dense inputs; dense_cols their columns in the maximal layout (None: all).
    sparse : [B, N, 16] concatenated sparse inputs; sparse_cols their token rows in the maximal layout.
    left, right : [B, Dl], [B, Dr] the binary operators' inputs.
    d, s : chosen dense and sparse widths.
    """

    dense: torch.Tensor
    dense_cols: Cols
    sparse: torch.Tensor
    sparse_cols: Cols
    left: torch.Tensor
    right: torch.Tensor
    d: int
    s: int

    def float(self) -> OpInputs:
        """The same inputs in float32 (column selections unchanged)."""
        up = {k: getattr(self, k).float() for k in ("dense", "sparse", "left", "right") if getattr(self, k) is not None}
        return replace(self, **up)


class _Op(nn.Module):
    kind = ""

    def __init__(self):
        super().__init__()
        self.quant = OpQuant(SLOTS[self.kind])

    def __call__(self, x: OpInputs) -> torch.Tensor:
        """Under bf16 autocast a quantisation-aware operator runs exactly as in float32: autocast off, inputs upcast
        (bf16 -> float32 is exact), so its codes and code products are the float32 model's (``train/device.py``)."""
        if self.quant.precision is None:
            return super().__call__(x)
        device = next(t for t in (x.dense, x.sparse, x.left, x.right) if t is not None).device.type
        if torch.is_autocast_enabled(device):
            with torch.autocast(device, enabled=False):
                return super().__call__(x.float())
        return super().__call__(x)


class FC(_Op):
    """relu(LN(W x)) over the concatenated dense inputs -> [B, d]."""

    kind = "fc"

    def __init__(self, din_max: int, dmax: int, nmax: int, smax: int, ln: bool):
        super().__init__()
        self.lin = ElasticLinear(din_max, dmax, ln)

    def forward(self, x: OpInputs) -> torch.Tensor:
        return F.relu(self.lin(self.quant.a(x.dense, "in"), x.d, x.dense_cols, self.quant))

    def load_slice(self, src: FC, x: OpInputs) -> None:
        self.lin.load_slice(src.lin, x.dense_cols)


class EFC(_Op):
    """relu(LN(linear over tokens N -> s)) -> [B, s, 16] (NASRec ``ElasticLinear3D``)."""

    kind = "efc"

    def __init__(self, din_max: int, dmax: int, nmax: int, smax: int, ln: bool):
        super().__init__()
        self.lin = ElasticLinear(nmax, smax, ln)

    def forward(self, x: OpInputs) -> torch.Tensor:
        # quantised after the transpose (the same codes): the QDQ pair then feeds the MatMul directly, where
        # pimcompile reads an operator's input bits
        y = self.lin(self.quant.a(x.sparse.transpose(1, 2), "in"), x.s, x.sparse_cols, self.quant)
        return F.relu(y).transpose(1, 2)

    def load_slice(self, src: EFC, x: OpInputs) -> None:
        self.lin.load_slice(src.lin, x.sparse_cols)


class DotProduct(_Op):
    """Pairwise dot products of [dense->16 ; k sparse tokens], strictly lower triangle, linear -> d."""

    kind = "dot"

    def __init__(self, din_max: int, dmax: int, nmax: int, smax: int, ln: bool):
        super().__init__()
        kmax = dot_tokens(dmax)
        self.dense_proj = ElasticLinear(din_max, EMB, ln)
        self.token_proj = ElasticLinear(nmax, kmax, False)
        self.out = ElasticLinear((kmax + 1) * kmax // 2, dmax, ln)

    def forward(self, x: OpInputs) -> torch.Tensor:
        k = dot_tokens(x.d)
        xd = self.dense_proj(self.quant.a(x.dense, "dense"), None, x.dense_cols, self.quant)
        ys = self.token_proj(self.quant.a(x.sparse.transpose(1, 2), "sparse"), k, x.sparse_cols, self.quant)
        ys = ys.transpose(1, 2)  # token linear with the QDQ pair next to the MatMul, as in EFC
        t = self.quant.a(torch.cat([xd.unsqueeze(1), ys], dim=1), "t")
        z = torch.bmm(t, t.transpose(1, 2)).flatten(1)
        rows, cols = torch.tril_indices(k + 1, k + 1, offset=-1, device=z.device)
        tri = z.index_select(1, rows * (k + 1) + cols)
        return self.out(tri, x.d, (k + 1) * k // 2, self.quant)

    def load_slice(self, src: DotProduct, x: OpInputs) -> None:
        self.dense_proj.load_slice(src.dense_proj, x.dense_cols)
        self.token_proj.load_slice(src.token_proj, x.sparse_cols)
        self.out.load_slice(src.out, self.out.in_max)


def _pad_pair(left: torch.Tensor, right: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, int]:
    # int(): widths are architecture constants; under ONNX tracing shape entries would otherwise become tensors
    wl, wr = int(left.shape[1]), int(right.shape[1])
    width = max(wl, wr)
    return F.pad(left, (0, width - wl)), F.pad(right, (0, width - wr)), width


class Gating(_Op):
    """sigmoid(W_self left) * right on zero-padded inputs, then linear -> d with LN."""

    kind = "gating"

    def __init__(self, din_max: int, dmax: int, nmax: int, smax: int, ln: bool, dpair_max: int = 0):
        super().__init__()
        dpair_max = dpair_max or dmax
        self.gate = ElasticLinear(dpair_max, dpair_max, False)
        self.proj = ElasticLinear(dpair_max, dmax, ln)

    def forward(self, x: OpInputs) -> torch.Tensor:
        left, right, width = _pad_pair(self.quant.a(x.left, "left"), self.quant.a(x.right, "right"))
        gated = torch.sigmoid(self.gate(left, width, width, self.quant)) * right
        return self.proj(gated, x.d, width, self.quant)

    def load_slice(self, src: Gating, x: OpInputs) -> None:
        width = self.gate.in_max
        self.gate.load_slice(src.gate, width)
        self.proj.load_slice(src.proj, width)


class Sum(_Op):
    """left + right on zero-padded inputs, then linear -> d with LN (no activation)."""

    kind = "sum"

    def __init__(self, din_max: int, dmax: int, nmax: int, smax: int, ln: bool, dpair_max: int = 0):
        super().__init__()
        self.proj = ElasticLinear(dpair_max or dmax, dmax, ln)

    def forward(self, x: OpInputs) -> torch.Tensor:
        left, right, width = _pad_pair(self.quant.a(x.left, "left"), self.quant.a(x.right, "right"))
        return self.proj(left + right, x.d, width, self.quant)

    def load_slice(self, src: Sum, x: OpInputs) -> None:
        self.proj.load_slice(src.proj, self.proj.in_max)


class Attention(_Op):
    """Token linear N -> s (+LN), 8-head self-attention over 16-dim tokens, residual+LN, FFN, residual+LN."""

    kind = "attention"

    def __init__(self, din_max: int, dmax: int, nmax: int, smax: int, ln: bool):
        super().__init__()
        self.tokens = ElasticLinear(nmax, smax, ln)
        self.qkv = ElasticLinear(EMB, 3 * EMB, False)
        self.attn_out = ElasticLinear(EMB, EMB, False)
        self.ffn1 = ElasticLinear(EMB, EMB, False)
        self.ffn2 = ElasticLinear(EMB, EMB, False)
        self.norm1 = nn.LayerNorm(EMB)
        self.norm2 = nn.LayerNorm(EMB)
        nn.init.constant_(self.norm1.weight, ATTN_LN_INIT)

    def _self_attention(self, h: torch.Tensor) -> torch.Tensor:
        s = int(h.shape[1])  # the token count is an architecture constant; the batch stays symbolic (-1)
        q, k, v = self.qkv(h, quant=self.quant).split(EMB, dim=2)
        heads = [t.reshape(-1, s, HEADS, EMB // HEADS).transpose(1, 2) for t in (q, k, v)]
        if torch.onnx.is_in_onnx_export():
            # exported as explicit MatMul -> Softmax -> MatMul, the form the compiler lowers
            scores = torch.matmul(heads[0], heads[1].transpose(2, 3)) / math.sqrt(EMB // HEADS)
            ctx = torch.matmul(torch.softmax(scores, dim=-1), heads[2])
        else:
            # the same function (scale 1/sqrt(head dim)), fused: 4-5x faster on CPU, most of a search candidate's
            # accuracy cost when attention is chosen (measured in docs/performance.md)
            ctx = F.scaled_dot_product_attention(*heads)
        out = ctx.transpose(1, 2).reshape(-1, s, EMB)
        return self.attn_out(out, quant=self.quant)

    def forward(self, x: OpInputs) -> torch.Tensor:
        h = self.tokens(self.quant.a(x.sparse.transpose(1, 2), "in"), x.s, x.sparse_cols, self.quant).transpose(1, 2)
        h = self.norm1(h + self._self_attention(h))
        ffn = self.ffn2(F.relu(self.ffn1(h, quant=self.quant)), quant=self.quant)
        return self.norm2(h + ffn)

    @torch.no_grad()
    def load_slice(self, src: Attention, x: OpInputs) -> None:
        self.tokens.load_slice(src.tokens, x.sparse_cols)
        for name in ("qkv", "attn_out", "ffn1", "ffn2"):
            getattr(self, name).load_slice(getattr(src, name))
        self.norm1.load_state_dict(src.norm1.state_dict())
        self.norm2.load_state_dict(src.norm2.state_dict())


class FactorizationMachine(nn.Module):
    """(sum_n v_n)^2 - sum_n v_n^2 over the block's sparse output -> [B, 16] -> linear -> d (+LN). Floating point."""

    def __init__(self, dmax: int, ln: bool):
        super().__init__()
        self.proj = ElasticLinear(EMB, dmax, ln)

    def forward(self, sparse: torch.Tensor, d: int) -> torch.Tensor:
        fm = sparse.sum(dim=1).square() - sparse.square().sum(dim=1)
        return self.proj(fm, d)

    def load_slice(self, src: FactorizationMachine) -> None:
        self.proj.load_slice(src.proj)


class DenseToSparse(nn.Module):
    """Dense block output [B, d] -> linear -> 128 (+LN) -> [B, 8, 16] extra tokens. Floating point."""

    def __init__(self, dmax: int, ln: bool):
        super().__init__()
        self.proj = ElasticLinear(dmax, DS_TOKENS * EMB, ln)

    def forward(self, dense: torch.Tensor) -> torch.Tensor:
        return self.proj(dense, None, int(dense.shape[1])).reshape(-1, DS_TOKENS, EMB)

    def load_slice(self, src: DenseToSparse) -> None:
        self.proj.load_slice(src.proj, self.proj.in_max)


OPS = {"fc": FC, "dot": DotProduct, "gating": Gating, "sum": Sum, "efc": EFC, "attention": Attention}
PAIR_OPS = ("gating", "sum")
