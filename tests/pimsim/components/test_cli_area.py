"""``pimsim area``: text table, JSON and the optional breakdown plot."""

from __future__ import annotations

import json

import pytest

from pimsim.cli import main


def test_text_table_for_every_preset(capsys):
    for preset in ("isaac", "default", "puma"):
        assert main(["area", preset]) == 0
        out = capsys.readouterr().out
        assert f"roll-up: {preset}" in out and "= chip total" in out and "GOPS/W" in out


def test_json_breakdown_sums_to_chip_totals(capsys):
    """The per-role chip breakdown adds up to the chip totals (no row counted twice or dropped)."""
    assert main(["area", "default", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert sum(data["breakdown_power_mw"].values()) == pytest.approx(data["chip.power_mw"])
    assert sum(data["breakdown_area_mm2"].values()) == pytest.approx(data["chip.area_mm2"])


def test_plot_writes_a_png(tmp_path, capsys):
    out = tmp_path / "breakdown.png"
    assert main(["area", "isaac", "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
