"""Torch modules of the composed oracle's units (see ``units.py``) and their ONNX export.

Each unit is built from the operator classes the standalone model uses (``recsys_models.blocks.ops``,
``recsys_models.supernet.model.Embeddings``) at exactly the unit's sizes, fed the way ``Block.inputs``
feeds them (the input concatenations are part of the unit), and exported at batch 1 with the same
exporter settings as a whole candidate (TorchScript, opset 18, precisions as QDQ pairs).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import nn

from recsys_models.blocks.elastic import ElasticLinear
from recsys_models.blocks.ops import OPS, PAIR_OPS, DenseToSparse, FactorizationMachine, OpInputs
from recsys_models.space.choices import EMBEDDING_DIM, OpPrecision
from recsys_models.supernet.model import Embeddings

CALIBRATION_ROWS = 8
"""Rows of the one training-mode pass that sets a unit's activation ranges before export (values do not change
the graph or its cost)."""


def _layernorm(key: dict) -> bool:
    """Whether the unit's operator normalises its output, as ``Block`` builds it (``units.unit_specs``)."""
    return bool(key.get("layernorm", False))


class Stem(nn.Module):
    """Embedding lookups; the raw dense input passes through to the blocks."""

    def __init__(self, table_sizes):
        super().__init__()
        self.embedding = Embeddings(table_sizes)

    def forward(self, dense, ids):
        return dense + 0.0, self.embedding(ids)


class OpUnit(nn.Module):
    """One NASRec operator fed the way ``Block.inputs`` feeds it (concatenations included)."""

    def __init__(self, key: dict):
        super().__init__()
        name, d, s = key["op"], key.get("d", 1), key.get("s", 1)
        self.d, self.s = d, s
        self.pair, self.same = name in PAIR_OPS, key.get("same", False)
        self.n_dense = len(key.get("widths", []))
        if self.pair:
            # Gating and Sum take dpair_max; passed as Block passes it (blocks/block.py): OPS is not typed per name
            extra = {"dpair_max": max(key["left"], key["right"])}
            self.op = OPS[name](1, d, 1, 1, _layernorm(key), **extra)
        else:
            self.op = OPS[name](max(sum(key.get("widths", [])), 1), d, max(sum(key.get("tokens", [])), 1), s,
                                _layernorm(key))
        self.op.quant.precision = None if key["precision"] is None else OpPrecision(*key["precision"])

    def forward(self, *xs):
        if self.pair:
            left, right = (xs[0], xs[0]) if self.same else xs
            return self.op(OpInputs(None, None, None, None, left, right, self.d, self.s))
        dense = torch.cat(xs[:self.n_dense], dim=1) if self.n_dense else None
        sparse = torch.cat(xs[self.n_dense:], dim=1) if len(xs) > self.n_dense else None
        return self.op(OpInputs(dense, None, sparse, None, None, None, self.d, self.s))


class FmUnit(nn.Module):
    """``dense + FM(sparse)`` (Block.forward with ``deep_fm``)."""

    def __init__(self, key: dict):
        super().__init__()
        self.fm, self.d = FactorizationMachine(key["d"], _layernorm(key)), key["d"]

    def forward(self, dense, sparse):
        return dense + self.fm(sparse, self.d)


class DsUnit(nn.Module):
    """``concat(sparse, proj(dense))`` (Block.forward with ``dense_sparse_interact``)."""

    def __init__(self, key: dict):
        super().__init__()
        self.ds = DenseToSparse(key["d"], _layernorm(key))

    def forward(self, dense, sparse):
        return torch.cat([sparse, self.ds(dense)], dim=1)


class HeadUnit(nn.Module):
    """``sigmoid(Linear(concat(dense, flatten(sparse))))``: SubnetModel's head and the exporter's sigmoid."""

    def __init__(self, key: dict):
        super().__init__()
        self.head = ElasticLinear(key["d"] + key["t"] * EMBEDDING_DIM, 1, False)

    def forward(self, dense, sparse):
        return self.head(torch.cat([dense, sparse.flatten(1)], dim=1)).squeeze(1).sigmoid()


def build_unit(key: dict, dataset_spec, gen: torch.Generator) -> tuple[nn.Module, tuple]:
    """(module, example inputs at batch 1 drawn from ``gen``) of the unit described by ``key``."""
    def dense(w: int) -> torch.Tensor:
        return torch.rand(1, w, generator=gen) * 5.0

    def sparse(t: int) -> torch.Tensor:
        return torch.randn(1, t, EMBEDDING_DIM, generator=gen)

    kind = key["unit"]
    if kind == "stem":
        ids = torch.stack([torch.randint(0, int(n), (1,), generator=gen) for n in dataset_spec.table_sizes], dim=1)
        return Stem(dataset_spec.table_sizes), (dense(key["n_int"]), ids)
    if kind in ("dense", "sparse"):
        if key["op"] in PAIR_OPS:
            args = (dense(key["left"]),) if key["same"] else (dense(key["left"]), dense(key["right"]))
        else:
            args = tuple(dense(w) for w in key.get("widths", [])) + tuple(sparse(t) for t in key.get("tokens", []))
        return OpUnit(key), args
    classes = {"fm": FmUnit, "ds": DsUnit, "head": HeadUnit}
    if kind not in classes:
        raise ValueError(f"unknown unit kind {kind!r}")
    tokens = key["s"] if "s" in key else key["t"]  # fm/ds units read s tokens, the head t (units.py)
    return classes[kind](key), (dense(key["d"]), sparse(tokens))


def export_unit_onnx(key: dict, dataset_spec, path: Path, seed: int = 0) -> None:
    """Export one unit (fresh seeded weights, activation ranges from one seeded training-mode pass) to ``path``."""
    from recsys_models.export.onnx_export import OPSET

    torch.manual_seed(seed)  # the weights' initialisation
    module, args = build_unit(key, dataset_spec, torch.Generator().manual_seed(seed))
    with torch.no_grad():
        module.train()(*(a.repeat(CALIBRATION_ROWS, *([1] * (a.dim() - 1))) for a in args))
        module.eval()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(module, args, str(path), input_names=[f"in{i}" for i in range(len(args))],
                              opset_version=OPSET, dynamo=False)
