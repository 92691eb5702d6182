"""The NASRec search space with per-operator precision choices (the model half of the AutoRAC co-design).

API used by the search (issue 9)::

    from recsys_models.space import get_space, sample_arch, mutate, arch_to_json, arch_from_json, arch_hash
    space = get_space("full")                    # or "small"; menus overridable: get_space("full", weight_bits=(4, 8))
    rng = numpy.random.default_rng(0)
    arch = sample_arch(space, rng)               # Arch (frozen): single-operator any-connection + precision
    child = mutate(arch, space, rng)             # exactly one key of one block re-sampled to a different value
    d = arch_to_json(arch)                       # dict in NASRec's keys ("macro", "micro", ...) + "precision"
    arch_from_json(d, space) == arch             # validates; ArchError names the bad item ("macro[3].dense_idx: ...")
    arch_hash(arch)                              # 16 hex digits, for duplicate rejection
    log10_space_size(space, with_precision=True) # size of the space (see docs/supernet.md)

``load_arch(path)`` reads a JSON file (the six NASRec best architectures are in ``recsys_models/configs/nasrec``;
``nasrec_best(name)`` loads one by name: criteo_full, criteo_small, avazu_full, avazu_small, kdd_full, kdd_small).
"""

from __future__ import annotations

from pathlib import Path

from recsys_models.space.choices import (
    DS_INTERACT_TOKENS,
    EMBEDDING_DIM,
    Arch,
    BlockArch,
    OpPrecision,
    SearchSpace,
    get_space,
)
from recsys_models.space.encoding import ArchError, arch_from_json, arch_hash, arch_to_json, arch_to_json_str, load_arch
from recsys_models.space.sampling import log10_space_size, mutate, sample_arch, with_uniform_precision

NASREC_BEST_DIR = Path(__file__).resolve().parents[1] / "configs" / "nasrec"
NASREC_BEST = ("criteo_full", "criteo_small", "avazu_full", "avazu_small", "kdd_full", "kdd_small")


def nasrec_best(name: str) -> Arch:
    """One of the six best architectures published by NASRec (float precision), by name."""
    if name not in NASREC_BEST:
        raise ArchError(f"unknown NASRec architecture {name!r}: expected one of {', '.join(NASREC_BEST)}")
    return load_arch(NASREC_BEST_DIR / f"{name}.json")


__all__ = [
    "Arch", "ArchError", "BlockArch", "DS_INTERACT_TOKENS", "EMBEDDING_DIM", "NASREC_BEST", "OpPrecision",
    "SearchSpace", "arch_from_json", "arch_hash", "arch_to_json", "arch_to_json_str", "get_space", "load_arch",
    "log10_space_size", "mutate", "nasrec_best", "sample_arch", "with_uniform_precision",
]
