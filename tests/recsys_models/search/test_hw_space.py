"""Hardware-space YAML: parsing, one-line errors naming the item, sampling only valid archs."""

from __future__ import annotations

import random

import pytest

from recsys_models.errors import UserError
from recsys_models.search.hw_space import load_hw_space

from tests.conftest import REPO


def _write(tmp_path, text):
    p = tmp_path / "hw.yaml"
    p.write_text(text)
    return p


def test_shipped_spaces_load_and_sample_valid_points():
    small = load_hw_space(REPO / "configs/search/hw_small.yaml")
    assert small.size() == 24  # 3 * 2 * 2 * 2, hand count of the file's lists
    full = load_hw_space(REPO / "configs/search/hw_full.yaml")
    assert full.size() == 4 * 3 * 3 * 3 * 3 * 3 * 4
    rng = random.Random(0)
    for _ in range(20):
        point = full.sample(rng)
        assert full.is_valid(point)
        doc = full.apply(point)
        assert doc["pe"]["crossbar"]["rows"] == doc["pe"]["crossbar"]["cols"] == point["pe.crossbar.rows+pe.crossbar.cols"]
        child = full.mutate(point, rng)
        assert sum(child[a] != point[a] for a in point) == 1  # exactly one axis re-drawn


def test_bad_axis_path_is_named(tmp_path):
    p = _write(tmp_path, "base: default\naxes:\n  pe.crossbar.rowz: [64]\n")
    with pytest.raises(UserError, match=r"axes.pe.crossbar.rowz: 'pe.crossbar.rowz' is not a field"):
        load_hw_space(p)


def test_invalid_value_is_named_with_the_spec_reason(tmp_path):
    p = _write(tmp_path, "base: default\naxes:\n  pe.crossbar.rows: [64, 100]\n")
    with pytest.raises(UserError, match=r"axes.pe.crossbar.rows=100: .*power of two"):
        load_hw_space(p)


def test_unknown_key_and_bad_base(tmp_path):
    with pytest.raises(UserError, match="axis: unknown key"):
        load_hw_space(_write(tmp_path, "base: default\naxis: {}\n"))
    with pytest.raises(UserError, match="unknown architecture preset"):
        load_hw_space(_write(tmp_path, "base: nosuch\naxes: {pe.adc.bits: [8]}\n"))


def test_conflicting_combinations_are_never_sampled(tmp_path):
    """cols=64 with 128 ADCs per crossbar is invalid (per_crossbar must divide cols); only valid pairs come out."""
    p = _write(tmp_path, "base: default\naxes:\n  pe.crossbar.rows+pe.crossbar.cols: [64, 256]\n"
                         "  pe.adc.per_crossbar: [1, 128]\n")
    space = load_hw_space(p)
    rng = random.Random(0)
    points = {tuple(sorted(space.sample(rng).items())) for _ in range(60)}
    assert (("pe.adc.per_crossbar", 128), ("pe.crossbar.rows+pe.crossbar.cols", 64)) not in points
    assert len(points) == 3
