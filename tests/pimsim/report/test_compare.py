"""pimsim compare: ratio conventions (hand calculations) and the CLI on reports and on bad input."""

from __future__ import annotations

import json

import pytest

from pimsim.report.compare import Side, comparison_json, format_comparison, ratios


def _side(name, latency_ns, thr, pj, mw, area):
    return Side(name, latency_ns, thr, pj, mw, 50.0, area, 4, 16)


def test_ratios_hand_calculation():
    """A: 100 ns, 1e6 inf/s, 2e6 pJ, 2000 mW, 30 mm2.  B: 50 ns, 3e6 inf/s, 1e6 pJ, 3000 mW, 20 mm2.
    latency 100/50 = 2; throughput 3e6/1e6 = 3; area 30/20 = 1.5; energy 2e6/1e6 = 2;
    power efficiency (3e6/3 W) / (1e6/2 W) = 1e6 / 5e5 = 2 (= energy ratio: inferences/s/W = inferences/J)."""
    a, b = _side("a", 100.0, 1e6, 2e6, 2000.0, 30.0), _side("b", 50.0, 3e6, 1e6, 3000.0, 20.0)
    r = ratios(a, b)
    assert r == pytest.approx({"latency_speedup": 2.0, "throughput_speedup": 3.0, "area_ratio": 1.5,
                               "energy_ratio": 2.0, "power_efficiency_ratio": 2.0})
    assert a.inferences_per_s_per_w == pytest.approx(5e5)
    text = format_comparison(a, b)
    assert "3.000x throughput_speedup" in text and "1.500x area_ratio" in text
    assert comparison_json(a, b)["b"]["inferences_per_s_per_w"] == pytest.approx(1e6)


def _report(latency_ns, thr, pj, mw, area):
    return {"latency_ns": latency_ns, "latency_cycles": 1, "throughput_inferences_per_s": thr,
            "energy_per_inference_pj": pj, "power_mw": mw, "area_mm2": area, "stats": {"batch": 8}}


def test_cli_on_two_reports(tmp_path, capsys):
    from pimsim.cli import main

    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(_report(200.0, 1e5, 4e6, 400.0, 40.0)))
    b.write_text(json.dumps(_report(100.0, 2e5, 4e6, 800.0, 40.0)))
    assert main(["compare", str(a), str(b), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # 200/100 = 2; 2e5/1e5 = 2; same area; same energy; (2e5/0.8)/(1e5/0.4) = 1
    assert out["ratios"] == pytest.approx({"latency_speedup": 2.0, "throughput_speedup": 2.0, "area_ratio": 1.0,
                                           "energy_ratio": 1.0, "power_efficiency_ratio": 1.0})


def test_cli_rejects_other_json(tmp_path, capsys):
    from pimsim.cli import main

    a = tmp_path / "a.json"
    a.write_text(json.dumps({"hello": 1}))
    assert main(["compare", str(a), str(a)]) != 0
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "neither a mapping" in err and "Traceback" not in err


def test_one_definition_of_tiles_and_occupied_area(tmp_path, capsys):
    """Tiles used and occupied area mean the same in ``pimcompile --report``, ``pimsim run`` (text and --json) and
    ``pimsim compare`` of mappings or of their reports: the area ratio of two designs does not depend on which
    files are compared (it was 0.945 as mappings and 1.000 as reports)."""
    import onnx

    from compiler.cli import main as pimcompile
    from pimsim.cli import main
    from pimsim.spec.mapping import load_mapping
    from pimsim.spec.occupancy import tiles_used
    from tests.robustness.models import mini_dlrm_proto, tiny_model

    onnx.save(mini_dlrm_proto(), str(tmp_path / "a.onnx"))
    tiny_model(tmp_path / "b.onnx")
    reports, tiles = {}, {}
    for name in ("a", "b"):
        assert pimcompile([str(tmp_path / f"{name}.onnx"), "-o", str(tmp_path / f"{name}.json"), "--report"]) == 0
        text = capsys.readouterr().out
        tiles[name] = len(tiles_used(load_mapping(tmp_path / f"{name}.json")))
        assert f"tiles used (holding an operator, weights or a shared product): {tiles[name]} of 64" in text
        assert main(["run", str(tmp_path / f"{name}.json"), "--json", "--batch", "8"]) == 0
        reports[name] = json.loads(capsys.readouterr().out)
        assert reports[name]["tiles_used"] == tiles[name] and reports[name]["tiles_total"] == 64
        (tmp_path / f"{name}.report.json").write_text(json.dumps(reports[name]))
    assert tiles["a"] != tiles["b"]
    ratios = {}
    for kind, suffix in (("mappings", ".json"), ("reports", ".report.json")):
        assert main(["compare", str(tmp_path / f"a{suffix}"), str(tmp_path / f"b{suffix}"), "--json",
                     "--batch", "8"]) == 0
        out = json.loads(capsys.readouterr().out)
        ratios[kind] = out["ratios"]
        assert (out["a"]["tiles_used"], out["b"]["tiles_used"]) == (tiles["a"], tiles["b"])
        assert out["a"]["occupied_area_mm2"] == reports["a"]["occupied_area_mm2"]
    assert ratios["mappings"] == pytest.approx(ratios["reports"], rel=1e-12)
    assert ratios["mappings"]["area_ratio"] == pytest.approx(
        reports["a"]["occupied_area_mm2"] / reports["b"]["occupied_area_mm2"], rel=1e-12)
