"""The hand-crafted CTR baselines AutoRAC/NASRec compare against, on the common (dense, sparse) interface.

Every model is ``model(dense [B, n_int] float32, sparse [B, n_cat] int64) -> logits [B, 1]`` (no sigmoid;
training uses BCE-with-logits, export appends a Sigmoid). Defaults follow the public reference configs
(``onnx_and_ecosystem.md`` 3.1): embedding dim 16 (DLRM Kaggle script, BARS DeepFM x4), DNNs 400-400-400
(BARS DeepFM x1), DCN-v2 3 cross layers (FuxiCTR default), AutoInt 3 attention layers, 2 heads, 32 dims
(AutoInt paper), xDeepFM CIN 100-100 (smaller than the paper's 200-200-200 to keep CPU tests fast).

Papers: DLRM (Naumov et al. 2019), DeepFM (Guo et al. 2017), DCN-v2 (Wang et al. 2021), AutoInt
(Song et al. 2019), xDeepFM (Lian et al. 2018), Wide&Deep (Cheng et al. 2016). Written from the papers;
no code copied. Dense features enter each model as its paper does for Criteo: DLRM through the bottom MLP,
the others concatenated with the flattened embeddings (AutoInt: one learned vector per dense feature).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from recsys_models.baselines.layers import FieldEmbedding, FirstOrder, mlp


class DLRM(nn.Module):
    """DLRM with dot interaction: bottom MLP, pairwise dots of the F+1 vectors (strict lower triangle), top MLP."""

    def __init__(self, n_int: int, table_sizes: Sequence[int], embedding_dim: int = 16,
                 bottom_mlp: Sequence[int] = (512, 256, 64), top_mlp: Sequence[int] = (512, 256)):
        super().__init__()
        self.embedding = FieldEmbedding(table_sizes, embedding_dim)
        self.bottom = mlp([n_int, *bottom_mlp, embedding_dim])
        n_vec = len(table_sizes) + 1
        li, lj = torch.tril_indices(n_vec, n_vec, offset=-1)
        # Flattened triangle index, a constant: index_select exports as Gather(axis=1) with both exporters
        # (advanced indexing z[:, li, lj] gives GatherND under dynamo).
        self.register_buffer("tri_index", li * n_vec + lj, persistent=False)
        self.top = mlp([embedding_dim + len(li), *top_mlp, 1], last_activation=False)

    def forward(self, dense: torch.Tensor, sparse: torch.Tensor) -> torch.Tensor:
        x = self.bottom(dense)
        t = torch.cat([x.unsqueeze(1), self.embedding(sparse)], dim=1)
        z = torch.bmm(t, t.transpose(1, 2)).flatten(1)
        return self.top(torch.cat([x, torch.index_select(z, 1, self.tri_index)], dim=1))


class DeepFM(nn.Module):
    """First order + factorization machine 0.5 * ((sum e)^2 - sum e^2) + DNN on [dense, flat embeddings]."""

    def __init__(self, n_int: int, table_sizes: Sequence[int], embedding_dim: int = 16,
                 dnn: Sequence[int] = (400, 400, 400)):
        super().__init__()
        self.first = FirstOrder(n_int, table_sizes)
        self.embedding = FieldEmbedding(table_sizes, embedding_dim)
        self.dnn = mlp([n_int + len(table_sizes) * embedding_dim, *dnn, 1], last_activation=False)

    def forward(self, dense: torch.Tensor, sparse: torch.Tensor) -> torch.Tensor:
        e = self.embedding(sparse)
        fm = 0.5 * (e.sum(dim=1).pow(2) - e.pow(2).sum(dim=1)).sum(dim=1, keepdim=True)
        deep = self.dnn(torch.cat([dense, e.flatten(1)], dim=1))
        return self.first(dense, sparse) + fm + deep


class CrossNetV2(nn.Module):
    """DCN-v2 full-rank cross layers x_{l+1} = x0 * (W_l x_l + b_l) + x_l."""

    def __init__(self, dim: int, n_layers: int):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(dim, dim) for _ in range(n_layers))

    def forward(self, x0: torch.Tensor) -> torch.Tensor:
        x = x0
        for layer in self.layers:
            x = x0 * layer(x) + x
        return x


class DCNv2(nn.Module):
    """DCN-v2, parallel structure: cross network and DNN side by side on [dense, flat embeddings]."""

    def __init__(self, n_int: int, table_sizes: Sequence[int], embedding_dim: int = 16,
                 cross_layers: int = 3, dnn: Sequence[int] = (400, 400, 400)):
        super().__init__()
        self.embedding = FieldEmbedding(table_sizes, embedding_dim)
        d = n_int + len(table_sizes) * embedding_dim
        self.cross = CrossNetV2(d, cross_layers)
        self.dnn = mlp([d, *dnn])
        self.head = nn.Linear(d + dnn[-1], 1)

    def forward(self, dense: torch.Tensor, sparse: torch.Tensor) -> torch.Tensor:
        x0 = torch.cat([dense, self.embedding(sparse).flatten(1)], dim=1)
        return self.head(torch.cat([self.cross(x0), self.dnn(x0)], dim=1))


class SelfAttention(nn.Module):
    """One AutoInt interacting layer: multi-head self-attention over fields with a projected residual."""

    def __init__(self, dim_in: int, dim_att: int, heads: int):
        super().__init__()
        self.heads, self.head_dim = heads, dim_att // heads
        self.qkv = nn.Linear(dim_in, 3 * dim_att, bias=False)
        self.res = nn.Linear(dim_in, dim_att, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, f, _ = x.shape
        q, k, v = self.qkv(x).view(b, f, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        att = torch.softmax(q @ k.transpose(-1, -2) * self.head_dim ** -0.5, dim=-1)
        out = (att @ v).transpose(1, 2).reshape(b, f, self.heads * self.head_dim)
        return torch.relu(out + self.res(x))


class AutoInt(nn.Module):
    """AutoInt: dense features as learned field vectors scaled by their value, stacked self-attention, linear head."""

    def __init__(self, n_int: int, table_sizes: Sequence[int], embedding_dim: int = 16,
                 attention_layers: int = 3, heads: int = 2, attention_dim: int = 32):
        super().__init__()
        self.embedding = FieldEmbedding(table_sizes, embedding_dim)
        self.dense_vectors = nn.Parameter(torch.randn(n_int, embedding_dim) * 0.01)
        dims = [embedding_dim] + [attention_dim] * attention_layers
        self.layers = nn.Sequential(*(SelfAttention(a, b, heads) for a, b in zip(dims[:-1], dims[1:])))
        self.head = nn.Linear((n_int + len(table_sizes)) * dims[-1], 1)

    def forward(self, dense: torch.Tensor, sparse: torch.Tensor) -> torch.Tensor:
        d = dense.unsqueeze(2) * self.dense_vectors
        x = torch.cat([d, self.embedding(sparse)], dim=1)
        return self.head(self.layers(x).flatten(1))


class CIN(nn.Module):
    """xDeepFM's compressed interaction network; each layer is an outer product + 1x1 conv (a Linear)."""

    def __init__(self, n_fields: int, layer_sizes: Sequence[int]):
        super().__init__()
        prev = [n_fields, *layer_sizes[:-1]]
        self.convs = nn.ModuleList(nn.Linear(h * n_fields, s) for h, s in zip(prev, layer_sizes))
        self.out_dim = sum(layer_sizes)

    def forward(self, x0: torch.Tensor) -> torch.Tensor:
        b, m, d = x0.shape
        x, pooled = x0, []
        for conv in self.convs:
            z = (x.unsqueeze(2) * x0.unsqueeze(1)).reshape(b, -1, d)
            x = torch.relu(conv(z.transpose(1, 2))).transpose(1, 2)
            pooled.append(x.sum(dim=2))
        return torch.cat(pooled, dim=1)


class XDeepFM(nn.Module):
    """xDeepFM: first order + CIN (sum-pooled over the embedding dim) + DNN."""

    def __init__(self, n_int: int, table_sizes: Sequence[int], embedding_dim: int = 16,
                 cin: Sequence[int] = (100, 100), dnn: Sequence[int] = (400, 400)):
        super().__init__()
        self.first = FirstOrder(n_int, table_sizes)
        self.embedding = FieldEmbedding(table_sizes, embedding_dim)
        self.cin = CIN(len(table_sizes), cin)
        self.cin_head = nn.Linear(self.cin.out_dim, 1)
        self.dnn = mlp([n_int + len(table_sizes) * embedding_dim, *dnn, 1], last_activation=False)

    def forward(self, dense: torch.Tensor, sparse: torch.Tensor) -> torch.Tensor:
        e = self.embedding(sparse)
        deep = self.dnn(torch.cat([dense, e.flatten(1)], dim=1))
        return self.first(dense, sparse) + self.cin_head(self.cin(e)) + deep


class WideDeep(nn.Module):
    """Wide&Deep: a wide linear model over the one-hot ids and dense values + a DNN on the embeddings."""

    def __init__(self, n_int: int, table_sizes: Sequence[int], embedding_dim: int = 16,
                 dnn: Sequence[int] = (400, 400, 400)):
        super().__init__()
        self.wide = FirstOrder(n_int, table_sizes)
        self.embedding = FieldEmbedding(table_sizes, embedding_dim)
        self.dnn = mlp([n_int + len(table_sizes) * embedding_dim, *dnn, 1], last_activation=False)

    def forward(self, dense: torch.Tensor, sparse: torch.Tensor) -> torch.Tensor:
        return self.wide(dense, sparse) + self.dnn(torch.cat([dense, self.embedding(sparse).flatten(1)], dim=1))


class LogisticRegression(nn.Module):
    """Logistic regression on dense values + one-hot ids: the floor every CTR model must beat."""

    def __init__(self, n_int: int, table_sizes: Sequence[int]):
        super().__init__()
        self.linear = FirstOrder(n_int, table_sizes)

    def forward(self, dense: torch.Tensor, sparse: torch.Tensor) -> torch.Tensor:
        return self.linear(dense, sparse)
