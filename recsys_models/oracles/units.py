"""A candidate as a list of *units*: the pieces the composed hardware oracle prices one at a time.

A unit is one NASRec operator of one block together with the concatenation of its inputs, exactly as
``recsys_models.blocks.block.Block`` runs it: the block's dense operator, its sparse operator, the FM
branch (``dense + FM(sparse)``), the dense->sparse switch (``concat(sparse, proj(dense))``), plus the
embedding stem before the blocks and the logit head after them.  Its description (:func:`unit_specs`)
holds only what its ONNX graph depends on -- operator, input widths/token counts, output width,
precision -- so the same unit recurs across candidates and its price is cached by that description
(plus the PIM configuration).  ``unit_export.export_unit_onnx`` builds the unit from the same operator classes
the standalone model uses (``recsys_models.blocks.ops``), so a unit's graph is the corresponding part of
the candidate's own export, not a second description of it.

Each spec also records which earlier values it reads (``reads``: ``("dense"|"sparse", block)``) and
which value it produces, so :mod:`recsys_models.oracles.compose` can walk the candidate's dataflow.
Widths are listed in block-index order, the order ``Block.inputs`` concatenates them.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from recsys_models.space.choices import Arch, OpPrecision


def _prec(p: OpPrecision | None):
    return None if p is None else [p.weight_bits, p.act_bits]


def unit_specs(arch: Arch, n_int: int, n_cat: int, dataset: str | None = None, layernorm: bool = False) -> list[dict]:
    """The units of ``arch`` for a dataset with ``n_int`` dense features and ``n_cat`` categorical fields.

    ``dataset`` names the embedding tables' dataset in the stem's key (its table sizes are the stem's shape).
    ``layernorm``: the standalone model has LayerNorm in its blocks (``SubnetModel(layernorm=True)``); the block
    units' keys then carry ``"layernorm": true`` (their graphs gain the LayerNormalization nodes; the stem and
    the head have none).  Off, the keys are as before, so caches written without the field stay valid.

    Each dict has ``key`` (JSON-able description, the cache key), ``reads`` and ``writes`` (dataflow, in
    ``("dense"|"sparse", block)`` pairs; block 0 is the stem) -- see the module docstring.
    """
    widths, tokens = [n_int], [n_cat]
    stem = {"unit": "stem", "n_int": n_int, "n_cat": n_cat, **({"dataset": dataset} if dataset else {})}
    units: list[dict[str, Any]] = [{"key": stem, "reads": [], "writes": [("dense", 0), ("sparse", 0)]}]
    for i, b in enumerate(arch.blocks, start=1):
        units.append(_dense_unit(b, i, widths, tokens))
        units.append({"key": {"unit": "sparse", "op": b.sparse_op, "tokens": [tokens[j] for j in b.sparse_idx],
                              "s": b.sparse_width, "precision": _prec(b.sparse_precision)},
                      "reads": [("sparse", j) for j in b.sparse_idx], "writes": [("sparse", i)]})
        if b.deep_fm:
            units.append({"key": {"unit": "fm", "s": b.sparse_width, "d": b.dense_width},
                          "reads": [("dense", i), ("sparse", i)], "writes": [("dense", i)]})
        if b.dense_sparse_interact:
            units.append({"key": {"unit": "ds", "d": b.dense_width, "s": b.sparse_width},
                          "reads": [("dense", i), ("sparse", i)], "writes": [("sparse", i)]})
        widths.append(b.dense_width)
        tokens.append(b.sparse_tokens)
    last = len(arch.blocks)
    units.append({"key": {"unit": "head", "d": widths[-1], "t": tokens[-1]},
                  "reads": [("dense", last), ("sparse", last)], "writes": []})
    if layernorm:
        for unit in units:
            if unit["key"]["unit"] in NORMALISED_UNITS:
                unit["key"]["layernorm"] = True
    return live_units(units)


NORMALISED_UNITS = ("dense", "sparse", "fm", "ds")
"""Unit kinds built by ``Block`` with its ``layernorm`` flag (``blocks/block.py``); the stem and head have none."""


def live_units(units: list[dict]) -> list[dict]:
    """The units whose results reach the head: the exporter drops the rest as dead code (a block output no later
    block reads), so the compiled candidate has none of their operators."""
    needed: set[tuple] = set()
    keep: list[dict] = []
    for unit in reversed(units):
        writes = {tuple(w) for w in unit["writes"]}
        if unit["key"]["unit"] in ("head", "stem") or writes & needed:
            keep.append(unit)
            # an FM or dense->sparse unit rewrites a value it also reads: the earlier writer is still needed
            needed |= {tuple(r) for r in unit["reads"]}
    return keep[::-1]


def _dense_unit(b, i: int, widths: list[int], tokens: list[int]) -> dict:
    key = {"unit": "dense", "op": b.dense_op, "d": b.dense_width, "precision": _prec(b.dense_precision)}
    if b.dense_op in ("gating", "sum"):
        # the binary operators read only their left and right inputs (the block's dense concatenation is dead code)
        same = b.dense_left_idx == b.dense_right_idx
        key.update(left=widths[b.dense_left_idx], right=widths[b.dense_right_idx], same=same)
        reads = [("dense", b.dense_left_idx), ("dense", b.dense_right_idx)]
    else:
        key["widths"] = [widths[j] for j in b.dense_idx]
        reads = [("dense", j) for j in b.dense_idx]
        if b.dense_op == "dot":
            key["tokens"] = [tokens[j] for j in b.sparse_idx]
            reads += [("sparse", j) for j in b.sparse_idx]
    return {"key": key, "reads": reads, "writes": [("dense", i)]}


def model_digest(arch: Arch, n_int: int, n_cat: int) -> str:
    """16 hex digits identifying the function ``arch`` computes: its live units with their dataflow.  Two
    architectures that differ only in dead blocks (whose outputs nothing reads) get the same digest: they export
    to the same model, inherit the same supernet weights and score identically."""
    live = [(u["key"], u["reads"], u["writes"]) for u in unit_specs(arch, n_int, n_cat)]
    return hashlib.sha256(json.dumps(live, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


def unit_digest(key: dict) -> str:
    """16 hex digits of the canonical JSON of a unit description (file names, cache keys)."""
    return hashlib.sha256(json.dumps(key, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]
