"""``pimsim run`` and ``pimsim.api.simulate``: the --json contract, text report, trace file, bad input."""

from __future__ import annotations

import json

import pytest

from pimsim.cli import main
from pimsim.report.model import JSON_KEYS
from pimsim.spec.mapping import write_mapping
from tests.pimsim.program.builders import arch_doc, chain_mapping


def test_json_contract(tmp_path, capsys):
    path = tmp_path / "m.json"
    write_mapping(chain_mapping([(0, (0, 0, 0)), (1, (1, 0, 0))]), path)
    assert main(["run", str(path), "--json", "--batch", "4", "--trace", str(tmp_path / "t.json")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(JSON_KEYS) <= set(out)
    assert out["latency_ns"] == out["latency_cycles"] * 1000 / 1200, "1200 MHz clock: 1 cycle = 0.8333 ns"
    assert set(out["stats"]) >= {"events", "wall_s"} and out["stats"]["events"] > 0
    assert 0 < out["utilization"]["crossbar"] < 1
    assert out["area_mm2"] == pytest.approx(sum(out["area_breakdown_mm2"].values()))
    trace = json.loads((tmp_path / "t.json").read_text())
    assert trace["otherData"]["traced_queries"] == 4


def test_text_report(tmp_path, capsys):
    """One 128x16 mvm on tile 0, whole query by hand (cycles at 1200 MHz):
    input 1024 bits over the 51.2 Gb/s I/O link (42.67 bits/cycle): 1 + ceil(1024 / 42.67) = 25;
    buffer fetch ceil(1024 / 256) = 4 accesses x 5 cycles (3.95 ns bank cycle) = 20; bus ceil(1024 / 384) = 3;
    crossbar held 8 slices x max(120, 120) = 960, then the last conversions drain 120 + shift-add 1 (the block
    is done 960 + 121 = 1081 after it starts; tests/pimsim/program/test_validation.py); result write 1 access
    = 5; output 128 bits: 1 + 3 = 4.  Total 25 + 20 + 3 + 1081 + 5 + 4 = 1138; fc0 spans 25 .. 1134."""
    path = tmp_path / "m.json"
    write_mapping(chain_mapping([(0, (0, 0, 0))]), path)
    assert main(["run", str(path)]) == 0
    text = capsys.readouterr().out
    assert "latency (one query)    1138 cycles" in text
    assert "fc0                                      25 .. 1134" in text and "utilization" in text
    # The crossbar is busy 960 of 1138 cycles: 84.359 %, the busiest resource.
    busiest = text.split("busiest resources")[1].splitlines()[1].split()
    assert busiest[:2] == ["crossbar[0][0][0]", "960"] and busiest[-2] == "84.359"


def test_bad_mapping_is_one_line_error(tmp_path, capsys):
    path = tmp_path / "m.json"
    write_mapping(chain_mapping([(0, (0, 0, 0))], arch=arch_doc(tile__buffer__capacity_bytes=64)), path)
    assert main(["run", str(path)]) != 0
    err = capsys.readouterr().err.strip()
    assert err == (f"error: {path}: value v0 (graph input, read by fc0) needs 1024 bits (128 B) of buffer on tile 0, "
                   "which holds 512 bits (64 B, tile.buffer.capacity_bytes)")
