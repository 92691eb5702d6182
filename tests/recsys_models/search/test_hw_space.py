"""Hardware spaces (the design-space format shared with ``pimsim sweep``): parsing, one-line errors naming the item,
sampling only valid archs, the same file read by both commands."""

from __future__ import annotations

import random

import pytest

from recsys_models.errors import UserError
from recsys_models.search.hw_space import load_hw_space

from tests.conftest import REPO


HEAD = "schema_version: 1\nbase_arch: default\n"


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
        assert doc["pe"]["crossbar"]["rows"] == doc["pe"]["crossbar"]["cols"] == point["pe.crossbar.rows"]
        child = full.mutate(point, rng)
        changed = {a for a in point if child[a] != point[a]}
        assert changed and (len(changed) == 1 or changed == {"pe.crossbar.rows", "pe.crossbar.cols"})  # one axis


def test_bad_axis_path_is_named(tmp_path):
    p = _write(tmp_path, HEAD + "vary:\n  pe.crossbar.rowz: [64]\n")
    with pytest.raises(UserError, match=r"vary.pe.crossbar.rowz: unknown architecture parameter"):
        load_hw_space(p)


def test_invalid_value_is_named_with_the_spec_reason(tmp_path):
    p = _write(tmp_path, HEAD + "vary:\n  pe.crossbar.rows: [64, 100]\n")
    with pytest.raises(UserError, match=r"pe.crossbar.rows=100: .*power of two"):
        load_hw_space(p)


def test_unknown_key_and_bad_base(tmp_path):
    with pytest.raises(UserError, match="varry"):
        load_hw_space(_write(tmp_path, HEAD + "varry: {pe.adc.bits: [8]}\n"))
    with pytest.raises(UserError, match="unknown architecture preset"):
        load_hw_space(_write(tmp_path, "schema_version: 1\nbase_arch: nosuch\nvary: {pe.adc.bits: [8]}\n"))


def test_conflicting_combinations_are_never_sampled(tmp_path):
    """cols=64 with 128 ADCs per crossbar is invalid (per_crossbar must divide cols); only valid pairs come out."""
    p = _write(tmp_path, HEAD + "zip:\n  - {pe.crossbar.rows: [64, 256], pe.crossbar.cols: [64, 256]}\n"
                                "vary:\n  pe.adc.per_crossbar: [1, 128]\n")
    space = load_hw_space(p)
    rng = random.Random(0)
    points = {tuple(sorted(space.sample(rng).items())) for _ in range(60)}
    assert (("pe.adc.per_crossbar", 128), ("pe.crossbar.cols", 64), ("pe.crossbar.rows", 64)) not in points
    assert len(points) == 3


def test_former_format_gets_the_migration_line(tmp_path):
    with pytest.raises(UserError, match=r"base:/axes: is the former hardware-space format; .*base_arch: \(was base\), "
                                        r"vary: \(was axes\)"):
        load_hw_space(_write(tmp_path, "base: default\naxes:\n  pe.adc.bits: [6, 8]\n"))


def test_issue24_space_has_every_hardware_axis():
    """configs/search/hw_codesign.yaml: tiles down to 4 (with tile kinds), PEs, crossbars, crossbar size, ADC bits
    and sharing, buffer kind and capacity, I/O link kind and lanes (rated, SerDes 1/2/8/32); 2*3*3*3*2*3*5*3*6 =
    29,160 points (hand count)."""
    space = load_hw_space(REPO / "configs/search/hw_codesign.yaml")
    assert space.size() == 29_160
    names = {p for axis, _ in space.axes for p in axis.split("+")}
    assert names == {"tile.pes", "pe.crossbars", "pe.adc.bits", "pe.adc.per_crossbar", "tile.buffer.kind",
                     "tile.buffer.capacity_bytes", "chip.io_link", "pe.crossbar.rows", "pe.crossbar.cols",
                     "chip.tiles", "chip.mesh_cols", "chip.tile_kinds"}
    tiles = dict(space.axes)["chip.tiles+chip.mesh_cols+chip.tile_kinds"]
    assert min(s["chip.tiles"] for s in tiles) == 4
    point = {k: v for _, steps in space.axes for k, v in steps[0].items()}
    point.update(tiles[-1])  # two tile kinds of 8 tiles each
    point["chip.io_link"] = {"kind": "serdes", "lanes": 8}
    from recsys_models.oracles.hardware_cost import arch_from_doc

    arch = arch_from_doc(space.apply(point), "test")
    assert [k.name for k in arch.tile_kinds] == ["wide", "narrow"]
    assert arch.chip.io_link.kind == "serdes" and arch.chip.io_link.lanes == 8


def test_one_file_loads_in_both_commands(tmp_path):
    """The same design space drives ``pimsim sweep`` (with workloads added) and the search: the sweep's points are
    exactly the space's product, and each is an arch the search's space can apply (equal documents)."""
    import yaml

    from pimsim.sweep.space import load_sweep

    space_path = REPO / "configs/search/hw_small.yaml"
    doc = yaml.safe_load(space_path.read_text())
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"not parsed when a sweep is loaded")
    sweep_path = tmp_path / "sweep.yaml"
    sweep_path.write_text(yaml.safe_dump({**doc, "workloads": [{"onnx": "m.onnx"}]}, sort_keys=False))
    sweep = load_sweep(sweep_path)
    space = load_hw_space(space_path)
    assert len(sweep.points) == space.size() == 24
    for point in sweep.points[:6]:
        assert space.apply(point.axis_values) == point.arch.model_dump(mode="json")
    assert load_hw_space(sweep_path).size() == 24  # and the search reads the sweep file's design space
