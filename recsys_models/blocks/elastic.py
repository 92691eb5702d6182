"""Elastic linear layers: weights allocated at the largest size, sliced to the chosen rows and input columns.

Source: NASRec ``ElasticLinear``/``ElasticLinear3D`` (facebookresearch/NasRec@79bf6f99 ``supernet/modules.py``,
reference A.4) allocate at the maximum width and mask the output to the first d channels. Here the weight is
*sliced* instead (rows ``[:out]``, selected input columns), and LayerNorm normalises over the chosen ``out`` channels
only, so a standalone layer holding exactly the slice computes the same function. (NASRec normalises over all dmax
channels before masking; this is the one deliberate difference, documented in docs/supernet.md.)

A column selection ``cols`` is ``None`` (all columns in order), an ``int`` n (the first n columns) or a LongTensor
of column indices into the maximal input layout.
"""

from __future__ import annotations

from typing import TypeAlias, Union

import torch
import torch.nn.functional as F
from torch import nn

Cols: TypeAlias = Union[int, torch.Tensor, None]


def _select(weight: torch.Tensor, cols: Cols) -> torch.Tensor:
    if cols is None or (isinstance(cols, int) and cols == weight.shape[1]):
        return weight
    if isinstance(cols, int):
        return weight[:, :cols]
    if cols.numel() == weight.shape[1]:
        return weight  # selections are sorted and unique, so covering every column means the identity
    return weight.index_select(1, cols)


def n_cols(cols: Cols, full: int) -> int:
    if cols is None:
        return full
    return cols if isinstance(cols, int) else int(cols.numel())


class ElasticLinear(nn.Module):
    """y = LN(x W[:out, cols]^T + b[:out]) over the last axis (LN when ``layernorm``); Xavier-uniform init, zero bias.

    Parameters
    ----------
    in_max, out_max : largest input and output widths (features).
    layernorm : apply LayerNorm over the ``out`` chosen channels.
    """

    def __init__(self, in_max: int, out_max: int, layernorm: bool):
        super().__init__()
        self.in_max, self.out_max, self.layernorm = in_max, out_max, layernorm
        self.weight = nn.Parameter(torch.empty(out_max, in_max))
        nn.init.xavier_uniform_(self.weight)
        self.bias = nn.Parameter(torch.zeros(out_max))
        if layernorm:
            self.ln_weight = nn.Parameter(torch.ones(out_max))
            self.ln_bias = nn.Parameter(torch.zeros(out_max))

    def forward(self, x: torch.Tensor, out: int | None = None, cols: Cols = None, quant=None) -> torch.Tensor:
        out = self.out_max if out is None else out
        w = _select(self.weight if out == self.out_max else self.weight[:out], cols)
        b = self.bias if out == self.out_max else self.bias[:out]
        if x.dim() == 2:
            y = F.linear(x, quant.w(w) if quant is not None else w, b)
        else:
            # x @ Q(W^T): the exporter folds W^T into an initializer, so the QDQ pair feeds the MatMul directly
            # (Q(W)^T would put a Transpose between DequantizeLinear and MatMul, hiding the precision)
            wt = w.t()
            y = torch.matmul(x, quant.w(wt, out_axis=1) if quant is not None else wt) + b
        if self.layernorm:
            ln_w = self.ln_weight if out == self.out_max else self.ln_weight[:out]
            ln_b = self.ln_bias if out == self.out_max else self.ln_bias[:out]
            y = F.layer_norm(y, (out,), ln_w, ln_b)
        return y

    @torch.no_grad()
    def load_slice(self, src: ElasticLinear, cols: Cols = None) -> None:
        """Copy ``src``'s slice (rows [:self.out_max], ``cols``) into this smaller layer."""
        self.weight.copy_(_select(src.weight[: self.out_max], cols))
        self.bias.copy_(src.bias[: self.out_max])
        if self.layernorm and src.layernorm:
            self.ln_weight.copy_(src.ln_weight[: self.out_max])
            self.ln_bias.copy_(src.ln_bias[: self.out_max])
