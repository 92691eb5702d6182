"""``pimsim area``: text table, JSON and the optional breakdown plot."""

from __future__ import annotations

import json

import pytest

from pimsim.cli import main
from pimsim.spec.arch import PRESETS


def test_text_table_for_every_preset(capsys):
    for preset in PRESETS:
        assert main(["area", preset]) == 0
        out = capsys.readouterr().out
        assert f"roll-up: {preset}" in out and "= chip total" in out and "GOPS/W" in out
        assert "compute only (without the I/O link)" in out and "leak_mw" in out


def test_json_breakdown_sums_to_chip_totals(capsys):
    """The per-role chip breakdown adds up to the chip totals (no row counted twice or dropped)."""
    assert main(["area", "default", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert sum(data["breakdown_power_mw"].values()) == pytest.approx(data["chip.power_mw"])
    assert sum(data["breakdown_area_mm2"].values()) == pytest.approx(data["chip.area_mm2"])
    assert sum(data["breakdown_leakage_mw"].values()) == pytest.approx(data["chip.leakage_mw"])
    assert data["compute.area_mm2"] + data["io_link.area_mm2"] == pytest.approx(data["chip.area_mm2"])


def test_heterogeneous_arch_from_a_file(tmp_path, capsys):
    """Two tile kinds in a yaml file: the text names each kind, the JSON lists them and leaves out the
    per-tile keys that would be ambiguous."""
    import yaml

    from pimsim.spec.arch import load_arch

    doc = load_arch("default").model_dump(mode="json")
    doc["chip"]["tile_kinds"] = [{"name": "low", "count": 16, "pe": {"adc": {"bits": 4}}},
                                 {"name": "high", "count": 48}]
    path = tmp_path / "kinds.yaml"
    path.write_text(yaml.safe_dump(doc))
    assert main(["area", str(path)]) == 0
    out = capsys.readouterr().out
    assert "tile kind low: 16 tiles from tile 0" in out and "tile kind high: 48 tiles from tile 16" in out
    assert main(["area", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [k["name"] for k in data["kinds"]] == ["low", "high"] and "tile.area_mm2" not in data


def test_plot_writes_a_png(tmp_path, capsys):
    out = tmp_path / "breakdown.png"
    assert main(["area", "isaac", "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
