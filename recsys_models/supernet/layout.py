"""Where each candidate input sits in the supernet's maximal concatenation layout.

Source: NASRec A.5 — in the weight-sharing forward, unselected inputs are zero tensors of the same shape, so the
weights see a fixed concatenation: the raw input (index 0) first, then each earlier block at its maximal size. A
block's dense output takes ``dmax`` columns; its sparse output ``smax + 8`` tokens (``smax`` operator tokens, then the
8 dense->sparse tokens). Selecting the columns of the present inputs is equivalent to multiplying zeros.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from recsys_models.blocks.block import BlockDims, BlockSample
from recsys_models.space.choices import DS_INTERACT_TOKENS, EMBEDDING_DIM


@dataclass(frozen=True)
class Layout:
    """Maximal sizes: raw ``n_int`` dense features and ``n_cat`` sparse tokens; block outputs ``dmax``/``smax``."""

    n_int: int
    n_cat: int
    dmax: int
    smax: int

    @property
    def block_tokens(self) -> int:
        return self.smax + DS_INTERACT_TOKENS

    def block_dims(self, block: int) -> BlockDims:
        """Largest operator sizes of 1-based ``block``."""
        return BlockDims(din_max=self.n_int + (block - 1) * self.dmax, nmax=self.n_cat + (block - 1) * self.block_tokens,
                         dmax=self.dmax, smax=self.smax, dpair_max=max(self.n_int, self.dmax))

    def dense_cols(self, idx, samples: list[BlockSample]) -> torch.Tensor:
        """Columns of the present dense inputs ``idx`` (0 = raw, j = block j, of width ``samples[j-1].d``)."""
        parts = []
        for j in idx:
            if j == 0:
                parts.append(torch.arange(self.n_int))
            else:
                parts.append(self.n_int + (j - 1) * self.dmax + torch.arange(samples[j - 1].d))
        return torch.cat(parts)

    def _block_token_rows(self, offset: int, sample: BlockSample) -> list[torch.Tensor]:
        rows = [offset + torch.arange(sample.s)]
        if sample.interact:
            rows.append(offset + self.smax + torch.arange(DS_INTERACT_TOKENS))
        return rows

    def sparse_cols(self, idx, samples: list[BlockSample]) -> torch.Tensor:
        """Token rows of the present sparse inputs ``idx``."""
        parts = []
        for j in idx:
            if j == 0:
                parts.append(torch.arange(self.n_cat))
            else:
                parts.extend(self._block_token_rows(self.n_cat + (j - 1) * self.block_tokens, samples[j - 1]))
        return torch.cat(parts)

    @property
    def head_max(self) -> int:
        return self.dmax + self.block_tokens * EMBEDDING_DIM

    def head_cols(self, last: BlockSample) -> torch.Tensor:
        """Head input columns: the last block's dense output, then its flattened sparse tokens (token-major)."""
        parts = [torch.arange(last.d), self.dmax + torch.arange(last.s * EMBEDDING_DIM)]
        if last.interact:
            parts.append(self.dmax + self.smax * EMBEDDING_DIM + torch.arange(DS_INTERACT_TOKENS * EMBEDDING_DIM))
        return torch.cat(parts)
