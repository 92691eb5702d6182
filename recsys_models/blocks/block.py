"""One NASRec choice block: gather inputs, run the active dense and sparse operators, FM and dense->sparse switches.

Source: NASRec ``SuperNetBlock.forward`` (facebookresearch/NasRec@79bf6f99, reference A.4/A.5): dense output = sum of
the active dense operators, sparse output = sum of the active sparse operators; then ``dense += FM(sparse)`` if
``deep_fm`` and ``sparse = concat(sparse, proj(dense))`` (8 tokens) if ``dense_sparse_interact``.
Inputs are concatenated along features (dense) or tokens (sparse) in increasing block index.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from recsys_models.blocks.ops import OPS, PAIR_OPS, DenseToSparse, FactorizationMachine, OpInputs
from recsys_models.space.choices import BlockArch, OpPrecision


@dataclass(frozen=True)
class BlockSample:
    """What one block runs in one forward: possibly several operators (the supernet warm-up runs all of them)."""

    dense_ops: tuple[str, ...]
    sparse_ops: tuple[str, ...]
    dense_idx: tuple[int, ...]
    sparse_idx: tuple[int, ...]
    left: int
    right: int
    d: int
    s: int
    interact: bool
    fm: bool
    dense_precision: OpPrecision | None
    sparse_precision: OpPrecision | None

    @classmethod
    def from_arch(cls, b: BlockArch) -> BlockSample:
        return cls((b.dense_op,), (b.sparse_op,), b.dense_idx, b.sparse_idx, b.dense_left_idx, b.dense_right_idx,
                   b.dense_width, b.sparse_width, b.dense_sparse_interact, b.deep_fm,
                   b.dense_precision, b.sparse_precision)


@dataclass(frozen=True)
class BlockDims:
    """Largest sizes a block's operators are built for.

    din_max : concatenated dense input width; nmax : concatenated sparse tokens; dmax, smax : output widths;
    dpair_max : zero-padded width of the binary operators' inputs.
    """

    din_max: int
    nmax: int
    dmax: int
    smax: int
    dpair_max: int


class Block(nn.Module):
    """A block holding ``dense_ops`` and ``sparse_ops`` (all of a space's in the supernet, one each standalone)."""

    def __init__(self, dense_ops, sparse_ops, dims: BlockDims, layernorm: bool, with_fm: bool, with_ds: bool):
        super().__init__()
        self.dims = dims
        ops = {}
        for name in (*dense_ops, *sparse_ops):
            extra = {"dpair_max": dims.dpair_max} if name in PAIR_OPS else {}
            ops[name] = OPS[name](dims.din_max, dims.dmax, dims.nmax, dims.smax, layernorm, **extra)
        self.ops = nn.ModuleDict(ops)
        self.fm = FactorizationMachine(dims.dmax, layernorm) if with_fm else None
        self.ds = DenseToSparse(dims.dmax, layernorm) if with_ds else None

    def inputs(self, dense_in, sparse_in, sample: BlockSample, dense_cols=None, sparse_cols=None) -> OpInputs:
        dense = torch.cat([dense_in[j] for j in sample.dense_idx], dim=1)
        sparse = torch.cat([sparse_in[j] for j in sample.sparse_idx], dim=1)
        return OpInputs(dense, dense_cols, sparse, sparse_cols, dense_in[sample.left], dense_in[sample.right],
                        sample.d, sample.s)

    def forward(self, x: OpInputs, sample: BlockSample) -> tuple[torch.Tensor, torch.Tensor]:
        dense = sparse = None
        for name in sample.dense_ops:
            self.ops[name].quant.precision = sample.dense_precision
            y = self.ops[name](x)
            dense = y if dense is None else dense + y
        for name in sample.sparse_ops:
            self.ops[name].quant.precision = sample.sparse_precision
            y = self.ops[name](x)
            sparse = y if sparse is None else sparse + y
        if sample.fm:
            assert self.fm is not None  # built with_fm wherever a sample may use it
            dense = dense + self.fm(sparse, sample.d)
        if sample.interact:
            assert self.ds is not None  # built with_ds likewise
            sparse = torch.cat([sparse, self.ds(dense)], dim=1)
        return dense, sparse

    @torch.no_grad()
    def load_slice(self, src: Block, x: OpInputs) -> None:
        """Copy the weights (and activation ranges) this block's operators inherit from supernet block ``src``."""
        for name, op in self.ops.items():
            op.load_slice(src.ops[name], x)
            op.quant.copy_ranges_from(src.ops[name].quant)
        if self.fm is not None:
            assert src.fm is not None  # the supernet block holds every operator
            self.fm.load_slice(src.fm)
        if self.ds is not None:
            assert src.ds is not None
            self.ds.load_slice(src.ds)
