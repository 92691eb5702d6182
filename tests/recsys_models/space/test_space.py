"""Search space: sizes, JSON round trips, validation messages, sampling and mutation."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from recsys_models.space import (
    NASREC_BEST,
    ArchError,
    arch_from_json,
    arch_hash,
    arch_to_json,
    get_space,
    log10_space_size,
    mutate,
    nasrec_best,
    sample_arch,
)
from recsys_models.space.sampling import MACRO_KEYS, MICRO_KEYS


def test_space_sizes_match_reference_counts():
    """Reference A.6 [derived]: 8.1e43 (Full) and 4.9e39 (Small) for NASRec's encoding with the 4-input cap."""
    assert log10_space_size(get_space("full"), False) == pytest.approx(math.log10(8.1e43), abs=0.01)
    assert log10_space_size(get_space("small"), False) == pytest.approx(math.log10(4.9e39), abs=0.01)


def test_precision_adds_log10_81_per_block():
    """(3 weight x 3 activation menus)^2 operators = 81 choices per block, 7 blocks: + 7 log10(81) = 13.36,
    putting Full at 10^57.3 (AutoRAC: 'over 10^54'); with the earlier {4, 8} activation menu, 36 choices and
    10^54.8."""
    full = get_space("full")
    assert log10_space_size(full, True) - log10_space_size(full, False) == pytest.approx(7 * math.log10(81))
    assert 57 < log10_space_size(full, True) < 58
    narrow = get_space("full", act_bits=(4, 8))
    assert log10_space_size(narrow, True) - log10_space_size(narrow, False) == pytest.approx(7 * math.log10(36))


def test_tiny_space_count_by_hand():
    """2 blocks, one width each. Micro = 4 dense x 2 sparse x 1 x 1 x 2 x 2 = 32. Block 1: 1 candidate -> 32.
    Block 2: 2 candidates -> subsets 3 (dense) x 3 (sparse) x 2 (left) x 2 (right) x 32 = 1152. Total 36864."""
    tiny = get_space("full", num_blocks=2, dense_widths=(16,), sparse_widths=(16,))
    assert log10_space_size(tiny, False) == pytest.approx(math.log10(36864))


@pytest.mark.parametrize("name", NASREC_BEST)
def test_nasrec_best_roundtrip(name):
    arch = nasrec_best(name)
    assert arch_from_json(json.loads(json.dumps(arch_to_json(arch)))) == arch
    assert arch.space == ("full" if name.endswith("full") else "small")


def test_criteo_full_matches_reference_table():
    """Reference A.7, Criteo Full row: (op pair, d, s, interact, fm) per block."""
    want = [("gating", "attention", 128, 64, 1, 0), ("dot", "efc", 32, 64, 0, 0), ("dot", "efc", 768, 32, 0, 1),
            ("gating", "efc", 768, 48, 1, 0), ("fc", "efc", 16, 16, 0, 1), ("fc", "attention", 768, 16, 1, 0),
            ("fc", "attention", 128, 48, 0, 1)]
    got = [(b.dense_op, b.sparse_op, b.dense_width, b.sparse_width, int(b.dense_sparse_interact), int(b.deep_fm))
           for b in nasrec_best("criteo_full").blocks]
    assert got == want


def test_random_archs_roundtrip_and_hash():
    space = get_space("full")
    rng = np.random.default_rng(0)
    archs = [sample_arch(space, rng) for _ in range(50)]
    for a in archs:
        assert arch_from_json(arch_to_json(a), space) == a
        assert all(1 <= len(b.dense_idx) <= 4 and 1 <= len(b.sparse_idx) <= 4 for b in a.blocks)
        assert all(b.dense_precision.weight_bits in (2, 4, 8) and b.sparse_precision.act_bits in (4, 6, 8)
                   for b in a.blocks)
    assert len({arch_hash(a) for a in archs}) == 50
    again = [sample_arch(space, np.random.default_rng(0)) for _ in range(1)]
    assert again[0] == archs[0]


def _bad(mutator, space="full"):
    data = arch_to_json(nasrec_best("criteo_full" if space == "full" else "criteo_small"))
    mutator(data)
    with pytest.raises(ArchError) as err:
        arch_from_json(data)
    return str(err.value)


def test_validation_names_the_bad_item():
    assert _bad(lambda d: d["macro"][2].update(dense_idx=[5])).startswith("macro[2].dense_idx: input 5")
    assert _bad(lambda d: d["micro"][1].update(dense_in_dims=100)).startswith("micro[1].dense_in_dims: 100")
    assert _bad(lambda d: d["micro"][0].update(active_nodes=[4, 5])).startswith("micro[0].active_nodes")
    assert _bad(lambda d: d["macro"][6].update(sparse_idx=[0, 1, 2, 3, 4])).startswith("macro[6].sparse_idx: needs")
    assert _bad(lambda d: d.update(colour=1)).startswith("architecture: unknown keys ['colour']")
    prec = [{"dense": {"weight_bits": 3, "act_bits": 8}, "sparse": None}] * 7
    assert _bad(lambda d: d.update(precision=prec)).startswith("precision[0].dense.weight_bits: 3")


def test_mutate_changes_exactly_one_key():
    space = get_space("full")
    rng = np.random.default_rng(3)
    arch = sample_arch(space, rng)
    for _ in range(40):
        child = mutate(arch, space, rng)
        diffs = [(i, k) for i, (a, b) in enumerate(zip(arch.blocks, child.blocks))
                 for k in (*MACRO_KEYS, *MICRO_KEYS, "dense_precision", "sparse_precision")
                 if getattr(a, k) != getattr(b, k)]
        assert len(diffs) == 1, diffs
        assert arch_from_json(arch_to_json(child), space) == child
        arch = child
