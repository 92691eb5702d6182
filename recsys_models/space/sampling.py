"""Random architectures, one-key mutation and the size of the space.

Sources (facebookresearch/NasRec@79bf6f99, reference A.5, A.6, B.1, B.3):
- Connections are drawn as NASRec's ``binomial-0.5`` any-path choice: 1 + Binomial(min(n-1, cap-1), 0.5) inputs
  without replacement from the n candidates; left and right one each (with replacement).
- Micro choice is single-operator: one dense and one sparse operator, a width each, the two switches.
- Mutation: pick a block, then a group (macro or micro, p = 0.5; with precision menus a third group, precision,
  so p = 1/3 each), then re-sample one key of that group to a different value.
- Count: per block (sum_{k<=min(cap,n)} C(n,k))^2 * n^2 macro choices times the micro choices, and for the
  precision extension (|weight_bits| * |act_bits|)^2 (dense and sparse operator).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from recsys_models.space.choices import Arch, BlockArch, OpPrecision, SearchSpace

MACRO_KEYS = ("dense_idx", "sparse_idx", "dense_left_idx", "dense_right_idx")
MICRO_KEYS = ("dense_op", "sparse_op", "dense_width", "sparse_width", "dense_sparse_interact", "deep_fm")
PRECISION_KEYS = ("dense_weight_bits", "dense_act_bits", "sparse_weight_bits", "sparse_act_bits")


def _pick(rng: np.random.Generator, menu):
    return menu[int(rng.integers(len(menu)))]


def _any_path(rng: np.random.Generator, n: int, cap: int) -> tuple[int, ...]:
    k = 1 + int(rng.binomial(min(n - 1, cap - 1), 0.5)) if n > 1 else 1
    return tuple(sorted(int(j) for j in rng.choice(n, size=k, replace=False)))


def _sample_precision(rng: np.random.Generator, space: SearchSpace) -> OpPrecision | None:
    if not space.has_precision:
        return None
    return OpPrecision(_pick(rng, space.weight_bits), _pick(rng, space.act_bits))


def sample_block(space: SearchSpace, block: int, rng: np.random.Generator, quantized: bool = True) -> BlockArch:
    """One random block (1-based ``block``); precision is sampled only when ``quantized`` and the menus exist."""
    n = block
    return BlockArch(
        dense_idx=_any_path(rng, n, space.max_inputs),
        sparse_idx=_any_path(rng, n, space.max_inputs),
        dense_left_idx=int(rng.integers(n)),
        dense_right_idx=int(rng.integers(n)),
        dense_op=_pick(rng, space.dense_ops),
        sparse_op=_pick(rng, space.sparse_ops),
        dense_width=_pick(rng, space.dense_widths),
        sparse_width=_pick(rng, space.sparse_widths),
        dense_sparse_interact=bool(rng.integers(2)),
        deep_fm=bool(rng.integers(2)),
        dense_precision=_sample_precision(rng, space) if quantized else None,
        sparse_precision=_sample_precision(rng, space) if quantized else None,
    )


def sample_arch(space: SearchSpace, rng: np.random.Generator, quantized: bool = True) -> Arch:
    """A random architecture (NASRec's single-operator any-connection distribution), reproducible from ``rng``.

    ``quantized=False`` leaves every operator in floating point (plain NASRec).
    """
    blocks = tuple(sample_block(space, i + 1, rng, quantized) for i in range(space.num_blocks))
    return Arch(space=space.name, blocks=blocks)


def _resample_key(block: BlockArch, key: str, i: int, space: SearchSpace, rng: np.random.Generator) -> BlockArch:
    n = i + 1
    fresh = sample_block(space, n, rng, quantized=True)
    if key in PRECISION_KEYS:
        side, what = key.split("_", 1)
        current = getattr(block, f"{side}_precision") or OpPrecision(space.weight_bits[-1], space.act_bits[-1])
        menu = space.weight_bits if what == "weight_bits" else space.act_bits
        bits: dict[str, Any] = {what: _pick(rng, menu)}  # field names chosen at run time
        precision: dict[str, Any] = {f"{side}_precision": replace(current, **bits)}
        return replace(block, **precision)
    drawn: dict[str, Any] = {key: getattr(fresh, key)}
    return replace(block, **drawn)


def _keys_for(group: str) -> tuple[str, ...]:
    return {"macro": MACRO_KEYS, "micro": MICRO_KEYS, "precision": PRECISION_KEYS}[group]


def mutate(arch: Arch, space: SearchSpace, rng: np.random.Generator, max_tries: int = 64) -> Arch:
    """A copy of ``arch`` with exactly one key of one block re-sampled to a different value.

    Block 1 has a single candidate input, so its macro keys cannot change; those draws are retried.
    """
    groups = ("macro", "micro", "precision") if space.has_precision else ("macro", "micro")
    for _ in range(max_tries):
        i = int(rng.integers(len(arch.blocks)))
        key = _pick(rng, _keys_for(_pick(rng, groups)))
        block = arch.blocks[i]
        new_block = _resample_key(block, key, i, space, rng)
        if new_block != block:
            blocks = arch.blocks[:i] + (new_block,) + arch.blocks[i + 1:]
            return Arch(space=arch.space, blocks=blocks)
    raise RuntimeError(f"mutate: no change found in {max_tries} draws (space too small?)")


def log10_space_size(space: SearchSpace, with_precision: bool) -> float:
    """log10 of the number of distinct architectures in ``space`` (optionally with the precision choices).

    Exact integer arithmetic, then log10; see the module docstring for the counting rule.
    """
    micro = (len(space.dense_ops) * len(space.sparse_ops) * len(space.dense_widths)
             * len(space.sparse_widths) * 2 * 2)
    if with_precision:
        micro *= (len(space.weight_bits) * len(space.act_bits)) ** 2
    total = 1
    for n in range(1, space.num_blocks + 1):
        subsets = sum(math.comb(n, k) for k in range(1, min(space.max_inputs, n) + 1))
        total *= subsets * subsets * n * n * micro
    return math.log10(total)


def with_uniform_precision(arch: Arch, weight_bits: int | None, act_bits: int | None) -> Arch:
    """``arch`` with every dense and sparse operator at one precision (both ``None`` = floating point)."""
    if (weight_bits is None) != (act_bits is None):
        raise ValueError("give both weight_bits and act_bits, or neither (floating point)")
    prec = None if weight_bits is None or act_bits is None else OpPrecision(weight_bits, act_bits)
    blocks = tuple(replace(b, dense_precision=prec, sparse_precision=prec) for b in arch.blocks)
    return Arch(space=arch.space, blocks=blocks)
