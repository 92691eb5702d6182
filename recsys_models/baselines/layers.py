"""Building blocks shared by the baselines, written so that they export to plain ONNX ops.

- Embedding lookups are one ``nn.Embedding`` per field indexed by column ``i`` of ``sparse``: ONNX
  ``Gather(sparse, i, axis=1)`` then ``Gather(table_i, ids)``. ``nn.EmbeddingBag`` is avoided on purpose:
  it always exports as an ONNX ``Loop`` (``onnx_and_ecosystem.md`` 1.5 item 4).
- MLPs are ``Linear`` (exported as ``Gemm`` with the weight ``[out, in]``) + ``ReLU``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class FieldEmbedding(nn.Module):
    """One table per categorical field; ``forward(sparse [B, F]) -> [B, F, dim]``."""

    def __init__(self, table_sizes: Sequence[int], dim: int):
        super().__init__()
        self.tables = nn.ModuleList(nn.Embedding(int(n), dim) for n in table_sizes)
        for t in self.tables:
            # Small init as in DLRM's reference (uniform +-1/sqrt(n)) would vanish for tiny tables;
            # N(0, 0.01) is the DeepCTR/FuxiCTR default and trains well on the 10k samples.
            nn.init.normal_(t.weight, std=0.01)

    def forward(self, sparse: torch.Tensor) -> torch.Tensor:
        return torch.stack([t(sparse[:, i]) for i, t in enumerate(self.tables)], dim=1)


def mlp(sizes: Sequence[int], last_activation: bool = True) -> nn.Sequential:
    """``Linear(sizes[0], sizes[1]) ReLU ... Linear(sizes[-2], sizes[-1])`` (+ReLU if ``last_activation``)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2 or last_activation:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class FirstOrder(nn.Module):
    """The linear (wide) term ``sum_i w[field_i, id_i] + <w_dense, dense> + b`` -> ``[B, 1]``.

    Per-field 1-wide embeddings are the standard one-hot logistic-regression weights (DeepFM, Wide&Deep).
    """

    def __init__(self, n_int: int, table_sizes: Sequence[int]):
        super().__init__()
        self.emb = FieldEmbedding(table_sizes, 1)
        self.dense = nn.Linear(n_int, 1)

    def forward(self, dense: torch.Tensor, sparse: torch.Tensor) -> torch.Tensor:
        return self.emb(sparse).sum(dim=1) + self.dense(dense)
