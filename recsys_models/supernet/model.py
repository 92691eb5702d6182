"""The weight-sharing supernet and the standalone subnet model built from one architecture.

Source: NASRec ``SuperNet`` (facebookresearch/NasRec@79bf6f99, reference A.3/A.4): embedding dim 16, one table per
categorical field, Xavier init (normal for embeddings, uniform for linears, zero bias); 7 blocks; the head is
``Linear(concat(last dense [B, d], flatten(last sparse [B, t*16])), 1)``; LayerNorm on in the supernet, off in
NASRec's final standalone training. Elastic widths are weight slices (see ``recsys_models.blocks.elastic``).

A ``SubnetModel`` holds exactly one architecture's weights; ``load_from_supernet`` copies the inherited slices, after
which (with LayerNorm on, same precisions) its forward equals the supernet's forward for that architecture.
"""

from __future__ import annotations

import torch
from torch import nn

from recsys_models.blocks.block import Block, BlockDims, BlockSample
from recsys_models.blocks.elastic import ElasticLinear
from recsys_models.blocks.ops import OpInputs
from recsys_models.space.choices import EMBEDDING_DIM, Arch, SearchSpace, get_space
from recsys_models.supernet.layout import Layout


def resolve_dataset_spec(dataset, hash_size: int | None = None):
    """A ``DatasetSpec`` from a spec, or a dataset name (criteo, avazu, kdd) with optional ``hash_size``."""
    from recsys_models.data.specs import DEFAULT_HASH_SIZE, dataset_spec

    if isinstance(dataset, str):
        return dataset_spec(dataset, hash_size or DEFAULT_HASH_SIZE)
    return dataset


def generic_dataset_spec(n_int: int, table_sizes):
    """A ``DatasetSpec`` with only the shapes (``n_int`` dense columns, these tables): what a model needs to build."""
    from recsys_models.data.specs import DatasetSpec

    sizes = tuple(int(n) for n in table_sizes)
    return DatasetSpec("custom", tuple(f"dense{i}" for i in range(int(n_int))),
                       tuple(f"sparse{i}" for i in range(len(sizes))), sizes, max(sizes, default=2))


COL_CACHE_SIZE = 16_384
"""Cached column selections (each a small index tensor); the cache is emptied when full."""


class Embeddings(nn.Module):
    """One ``nn.Embedding(rows_i, 16)`` per categorical field; ``forward(sparse [B, n_cat]) -> [B, n_cat, 16]``."""

    def __init__(self, table_sizes):
        super().__init__()
        self.tables = nn.ModuleList(nn.Embedding(int(n), EMBEDDING_DIM) for n in table_sizes)
        for t in self.tables:
            nn.init.xavier_normal_(t.weight)

    def forward(self, sparse: torch.Tensor) -> torch.Tensor:
        return torch.stack([t(sparse[:, i]) for i, t in enumerate(self.tables)], dim=1)


class Supernet(nn.Module):
    """All operators of ``space`` in every block at the largest widths; ``forward`` runs one sampled subnet.

    Parameters
    ----------
    space : a ``SearchSpace`` or its name (``full``, ``small``).
    dataset_spec : a ``recsys_models.data.specs.DatasetSpec`` (or a dataset name) giving ``n_int`` and table sizes.
    """

    def __init__(self, space: SearchSpace | str, dataset_spec, layernorm: bool = True):
        super().__init__()
        self.space = get_space(space) if isinstance(space, str) else space
        self.dataset_spec = resolve_dataset_spec(dataset_spec)
        spec = self.dataset_spec
        self.layout = Layout(spec.n_int, spec.n_cat, self.space.max_dense_width, self.space.max_sparse_width)
        self.embedding = Embeddings(spec.table_sizes)
        self.blocks = nn.ModuleList(
            Block(self.space.dense_ops, self.space.sparse_ops, self.layout.block_dims(i + 1), layernorm, True, True)
            for i in range(self.space.num_blocks))
        self.head = ElasticLinear(self.layout.head_max, 1, False)
        self._col_cache: dict = {}

    def features(self, dense: torch.Tensor, sparse: torch.Tensor, samples: list[BlockSample]) -> torch.Tensor:
        """The head's input [B, d + t*16] for one subnet (``samples``: one ``BlockSample`` per block)."""
        dense_in, sparse_in = [dense], [self.embedding(sparse)]
        for i, (block, sample) in enumerate(zip(self.blocks, samples, strict=True)):
            dense_cols = self._cols("dense", sample.dense_idx, samples[:i], dense.device)
            sparse_cols = self._cols("sparse", sample.sparse_idx, samples[:i], dense.device)
            x = block.inputs(dense_in, sparse_in, sample, dense_cols, sparse_cols)
            d_out, s_out = block(x, sample)
            dense_in.append(d_out)
            sparse_in.append(s_out)
        return torch.cat([dense_in[-1], sparse_in[-1].flatten(1)], dim=1)

    def _cols(self, kind: str, idx, earlier: list[BlockSample], device) -> torch.Tensor:
        """Column (or token-row) selection of the inputs ``idx`` on ``device``, built on the CPU once and cached.

        A selection depends only on which inputs are read and the widths of the blocks they come from; caching it
        on the device saves a host-to-device copy (and, for blocking copies, a stream synchronisation) per use.
        """
        key: tuple
        if kind == "dense":
            key = (kind, idx, tuple(earlier[j - 1].d for j in idx if j > 0), device)
        elif kind == "sparse":
            key = (kind, idx, tuple((earlier[j - 1].s, earlier[j - 1].interact) for j in idx if j > 0), device)
        else:
            key = (kind, earlier[-1].d, earlier[-1].s, earlier[-1].interact, device)
        cols = self._col_cache.get(key)
        if cols is None:
            if len(self._col_cache) >= COL_CACHE_SIZE:
                self._col_cache.clear()
            if kind == "head":
                cpu = self.layout.head_cols(earlier[-1])
            else:
                cpu = getattr(self.layout, f"{kind}_cols")(idx, earlier)
            cols = self._col_cache[key] = cpu.to(device, non_blocking=True)
        return cols

    def forward(self, dense: torch.Tensor, sparse: torch.Tensor, arch: Arch | list[BlockSample],
                head: ElasticLinear | None = None) -> torch.Tensor:
        """Logits [B] of subnet ``arch`` (an ``Arch`` or a list of ``BlockSample``); ``head`` overrides the shared
        logit layer (used by the fine-tuning of ``evaluate_subnet``)."""
        samples = to_samples(arch)
        feats = self.features(dense, sparse, samples)
        return (head or self.head)(feats, 1, self._cols("head", None, samples, feats.device)).squeeze(1)


def to_samples(arch: Arch | list[BlockSample]) -> list[BlockSample]:
    if isinstance(arch, Arch):
        return [BlockSample.from_arch(b) for b in arch.blocks]
    return list(arch)


def _standalone_dims(samples: list[BlockSample], i: int, n_int: int, n_cat: int) -> BlockDims:
    widths = [n_int] + [s.d for s in samples[:i]]
    tokens = [n_cat] + [s.s + (8 if s.interact else 0) for s in samples[:i]]
    s = samples[i]
    return BlockDims(din_max=sum(widths[j] for j in s.dense_idx), nmax=sum(tokens[j] for j in s.sparse_idx),
                     dmax=s.d, smax=s.s, dpair_max=max(widths[s.left], widths[s.right]))


class SubnetModel(nn.Module):
    """One architecture as a plain PyTorch model: ``forward(dense [B, n_int], sparse [B, n_cat]) -> logits [B]``.

    ``layernorm`` follows NASRec: on to inherit supernet weights, off (default) for training from scratch.
    Operators run at the architecture's precisions (fake quantisation; QDQ pairs in ONNX).
    """

    def __init__(self, arch: Arch, dataset_spec, layernorm: bool = False):
        super().__init__()
        self.arch = arch
        self.dataset_spec = spec = resolve_dataset_spec(dataset_spec)
        self.samples = to_samples(arch)
        self.embedding = Embeddings(spec.table_sizes)
        blocks = []
        for i, s in enumerate(self.samples):
            dims = _standalone_dims(self.samples, i, spec.n_int, spec.n_cat)
            blocks.append(Block(s.dense_ops, s.sparse_ops, dims, layernorm, s.fm, s.interact))
        self.blocks = nn.ModuleList(blocks)
        last = self.samples[-1]
        self.head = ElasticLinear(last.d + (last.s + (8 if last.interact else 0)) * EMBEDDING_DIM, 1, False)

    def forward(self, dense: torch.Tensor, sparse: torch.Tensor) -> torch.Tensor:
        dense_in, sparse_in = [dense], [self.embedding(sparse)]
        for block, sample in zip(self.blocks, self.samples, strict=True):
            d_out, s_out = block(block.inputs(dense_in, sparse_in, sample), sample)
            dense_in.append(d_out)
            sparse_in.append(s_out)
        return self.head(torch.cat([dense_in[-1], sparse_in[-1].flatten(1)], dim=1)).squeeze(1)

    @torch.no_grad()
    def load_from_supernet(self, supernet: Supernet) -> SubnetModel:
        """Copy the inherited weight slices, activation ranges and embeddings from ``supernet``."""
        self.embedding.load_state_dict(supernet.embedding.state_dict())
        layout = supernet.layout
        for i, (block, sample) in enumerate(zip(self.blocks, self.samples, strict=True)):
            cols = OpInputs(None, layout.dense_cols(sample.dense_idx, self.samples[:i]), None,
                            layout.sparse_cols(sample.sparse_idx, self.samples[:i]), None, None, sample.d, sample.s)
            block.load_slice(supernet.blocks[i], cols)
        self.head.load_slice(supernet.head, layout.head_cols(self.samples[-1]))
        return self
