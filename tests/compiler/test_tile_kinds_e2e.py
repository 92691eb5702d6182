"""Heterogeneous tiles end to end (issue 17 item 7): ONNX + ``--precision`` policy -> ``pimcompile`` -> ``pimsim run``.

Chip: the default preset (128x128 crossbars, 2-bit cells, differential signed columns, 1-bit DACs, isaac_sar ADCs at
32 nm) as two kinds: ``high`` (tiles 0-31, 8-bit ADCs) and ``low`` (tiles 32-63, 4-bit ADCs).  Model: ``fc4``
(Gemm 64 -> 32) at 4-bit weights and inputs by the policy, ReLU, ``fc8`` (Gemm 32 -> 16) at the default 8 bits.

Hand calculation (``compiler.passes.optimize.kinds``): a column sum of r rows reaches r x 1 x 3 = 3r, so it needs
ceil(log2(3r + 1)) bits: fc4 (64 rows) 8, fc8 (32 rows) 7.  fc4 needs min(8, max(4, 4)) = 4 bits: ``low`` (4) fits
and converts the cheapest; fc8 needs min(7, 8) = 7: only ``high``.  The optimized ADC match then converts fc4 at
min(4, 8) = 4 bits and fc8 at min(8, 7) = 7 bits.

Conversions per query (copies and column spreading move columns between crossbars, never add any): fc4 has
32 columns x ceil(4 / 2) = 2 slices x 2 sign columns = 128 physical columns, read for 4 / 1 = 4 input slices:
512 conversions; fc8 has 16 x 4 x 2 = 128 columns for 8 slices: 1024 conversions.  Dynamic energy per
conversion (isaac_sar: 0.9 dynamic share x 1.5625 pJ x hwcomponents ratio r(b) / r(8), r = 0.79, 1.42, 1.667 pJ at
4, 7, 8 bits): E(4) = 1.40625 x 0.79 / 1.667 = 0.666429 pJ, E(7) = 1.40625 x 1.42 / 1.667 = 1.197885 pJ, so the
ADC energy of one query is 512 x 0.666429 + 1024 x 1.197885 = 341.212 + 1226.635 = 1567.846 pJ (the same layers
on the 8-bit tiles only: fc4 at 8 bits, 512 x 1.40625 = 720 pJ instead of 341.2 pJ).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from onnx import helper

from compiler.cli import main as pimcompile
from pimsim.cli import main as pimsim
from pimsim.spec.arch import load_arch
from tests.compiler.helpers import make_model

F = np.float32
E4_PJ, E7_PJ = 1.40625 * 0.79 / 1.667, 1.40625 * 1.42 / 1.667


def _kinds_doc(high: int = 32, low: int = 32) -> dict:
    doc = load_arch("default").model_dump(mode="json")
    doc["chip"]["tile_kinds"] = [{"name": "high", "count": high},
                                 {"name": "low", "count": low, "pe": {"adc": {"bits": 4}}}]
    return doc


def _model(path, k1: int = 64, n1: int = 32, n2: int = 16):
    rng = np.random.default_rng(0)
    nodes = [helper.make_node("Gemm", ["x", "w1"], ["h"], name="fc4"),
             helper.make_node("Relu", ["h"], ["r"], name="relu"),
             helper.make_node("Gemm", ["r", "w2"], ["y"], name="fc8")]
    return make_model(path, nodes, [("x", F, ["B", k1])], [("y", F, ["B", n2])],
                      [("w1", rng.standard_normal((k1, n1)).astype(F)), ("w2", rng.standard_normal((n1, n2)).astype(F))])


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    d = tmp_path_factory.mktemp("kinds")
    (d / "kinds.yaml").write_text(yaml.safe_dump(_kinds_doc()))
    (d / "policy.yaml").write_text(yaml.safe_dump({"operators": {"fc4": {"weight_bits": 4, "input_bits": 4}}}))
    model = _model(d / "m.onnx")
    assert pimcompile([str(model), "--arch", str(d / "kinds.yaml"), "--precision", str(d / "policy.yaml"),
                       "-o", str(d / "mapping.json")]) == 0
    return d


def _run(capsys, mapping) -> dict:
    capsys.readouterr()
    assert pimsim(["run", str(mapping), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_each_layer_is_placed_on_its_kind_with_its_adc_bits(compiled):
    ops = {op["name"]: op for op in json.loads((compiled / "mapping.json").read_text())["operators"]}
    fc4, fc8 = ops["fc4"], ops["fc8"]
    assert {b["tile"] for b in fc4["blocks"]} <= set(range(32, 64))  # low
    assert {b["tile"] for b in fc8["blocks"]} <= set(range(32))  # high
    assert (fc4["precision"]["weight_bits"], fc4["precision"]["adc_bits"]) == (4, 4)
    assert (fc8["precision"]["weight_bits"], fc8["precision"]["adc_bits"]) == (8, 7)
    assert ops["relu"]["tile"] == fc4["tile"]  # a vector op runs at its producer's home tile


def test_simulator_prices_each_layer_by_its_kind_and_the_rollup_sums_the_kinds(compiled, capsys):
    """ADC energy of one query = 512 conversions at 4 bits on ``low`` + 1024 at 7 bits on ``high`` (module
    docstring: 1567.846 pJ); the chip area is the chip-level rows plus 32 tiles of each kind."""
    from pimsim.components.rollup import area_rollup

    report = _run(capsys, compiled / "mapping.json")
    assert E4_PJ == pytest.approx(0.666429, abs=1e-6) and E7_PJ == pytest.approx(1.197885, abs=1e-6)
    assert report["energy_breakdown_pj"]["adc"] == pytest.approx(512 * E4_PJ + 1024 * E7_PJ, rel=1e-9)
    rollup = area_rollup(load_arch(str(compiled / "kinds.yaml")))
    high, low = rollup.kinds
    chip_rows = sum(row.area_mm2_per_level for row in rollup.rows if row.level == "chip")
    assert (high.name, high.tiles, low.name, low.tiles) == ("high", 32, "low", 32)
    assert low.tile_area_mm2 < high.tile_area_mm2  # 4-bit ADCs are smaller (isaac_sar: 361 vs 1200 um^2 at 32 nm)
    assert report["area_mm2"] == pytest.approx(chip_rows + 32 * high.tile_area_mm2 + 32 * low.tile_area_mm2,
                                               rel=1e-9)


def test_naive_strategy_uses_the_arch_precision_so_both_layers_go_on_the_8_bit_kind(compiled, capsys):
    """``--strategy naive`` ignores the policy: both layers at 8 bits need 8 and 7 bits (module docstring), which
    only ``high`` converts; each starts a fresh tile of it (tiles 0 and 1) at the kind's 8-bit ADC."""
    out = compiled / "naive.json"
    assert pimcompile([str(compiled / "m.onnx"), "--arch", str(compiled / "kinds.yaml"), "--strategy", "naive",
                       "-o", str(out)]) == 0
    ops = {op["name"]: op for op in json.loads(out.read_text())["operators"]}
    assert [sorted({b["tile"] for b in ops[n]["blocks"]}) for n in ("fc4", "fc8")] == [[0], [1]]
    assert ops["fc4"]["precision"]["adc_bits"] == ops["fc8"]["precision"]["adc_bits"] == 8
    report = _run(capsys, out)
    # fc4: 64 rows x 32 columns x 4 slices x 2 sign = 256 physical columns x 8 input slices; fc8 1024 (as above)
    assert report["energy_breakdown_pj"]["adc"] == pytest.approx((256 * 8 + 1024) * 1.40625, rel=1e-9)


def test_a_kind_with_too_few_tiles_is_a_one_line_error_naming_operator_and_need(tmp_path, capsys):
    """``high`` has 1 tile of 8 PEs x 8 crossbars = 64.  fc4 as 64 -> 512 and fc8 as 512 -> 512, at 8 bits: 16
    weights (x 4 slices x 2 sign columns) per 128-column block, so fc4 is 1 x 32 = 32 blocks and fc8 4 x 32 = 128
    full crossbars; fc8 needs 7 bits, which only ``high`` converts.  Naive (both at 8 bits, both on ``high``): fc4
    takes a whole tile (32 blocks from a fresh tile: 64 crossbars), leaving 0 for fc8's 128.  Optimized (fc4 on
    ``low`` by the policy): fc8's 128 x 128 x 128 cells need at least 128 crossbars even packed, ``high`` has 64.
    No fitting kind has room: the error names the operator and each fitting kind's need and room."""
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(_kinds_doc(high=1, low=63)))
    (tmp_path / "p.yaml").write_text(yaml.safe_dump({"operators": {"fc4": {"weight_bits": 4, "input_bits": 4}}}))
    model = _model(tmp_path / "m.onnx", k1=64, n1=512, n2=512)
    for strategy, left in (("naive", 0), ("optimized", 64)):
        code = pimcompile([str(model), "--arch", str(tmp_path / "a.yaml"), "--strategy", strategy,
                           "--precision", str(tmp_path / "p.yaml"), "-o", str(tmp_path / "o.json")])
        err = capsys.readouterr().err.strip()
        assert code == 2 and err == (f"error: {model}: operator fc8: no tile kind that converts its bits has room "
                                     f"for it (crossbars: high 128 needed, {left} left)"), err
        assert not (tmp_path / "o.json").exists()


def test_a_full_kind_spills_to_the_next_fitting_kind(tmp_path, capsys):
    """``low`` (4-bit ADCs) has 1 tile = 64 crossbars, ``high`` 63 tiles.  fc4 as 640 -> 512 at 4 bits (policy):
    a 128-row block sums to 3 x 128 = 384, ceil(log2(385)) = 9 bits, capped at max(4, 4) = 4: ``low`` is preferred.
    Its 4-bit weights are 2 slices x 2 sign columns, 32 weights per 128-column block: 5 row blocks x 16 = 80 full
    blocks, at least 80 crossbars even packed, but ``low`` has 64: fc4 spills to ``high`` (8 bits fit too) and
    ``pimcompile`` says so; fc8 (512 -> 16, 8 bits, needs 8 bits) goes on ``high`` as before.  With ``high`` cut
    to 1 tile (64 crossbars) neither fitting kind has room for fc4's 80: a one-line error."""
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(_kinds_doc(high=63, low=1)))
    (tmp_path / "p.yaml").write_text(yaml.safe_dump({"operators": {"fc4": {"weight_bits": 4, "input_bits": 4}}}))
    model = _model(tmp_path / "m.onnx", k1=640, n1=512, n2=16)
    out = tmp_path / "o.json"
    assert pimcompile([str(model), "--arch", str(tmp_path / "a.yaml"), "--precision", str(tmp_path / "p.yaml"),
                       "-o", str(out)]) == 0
    assert "note: tile kind spill: operator fc4 on high (low has 64 crossbars left, it needs 80)" in \
        capsys.readouterr().out
    ops = {op["name"]: op for op in json.loads(out.read_text())["operators"]}
    assert {b["tile"] for b in ops["fc4"]["blocks"]} <= set(range(63))  # high: tiles 0-62
    assert {b["tile"] for b in ops["fc8"]["blocks"]} <= set(range(63))
    assert len({(b["tile"], b["pe"], b["crossbar"]) for b in ops["fc4"]["blocks"] if b["replica"] == 0}) == 80
    # the ADC match (compiler.passes.optimize.adc) converts at min(high's 8, the 9 bits of 128 rows) = 8
    assert ops["fc4"]["precision"]["adc_bits"] == 8
    _run(capsys, out)  # pimsim accepts the spilled mapping (exit 0: blocks and adc_bits within high's tiles)

    doc = _kinds_doc(high=1, low=1)
    doc["chip"]["tiles"], doc["chip"]["mesh_cols"] = 2, 2
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(doc))
    code = pimcompile([str(model), "--arch", str(tmp_path / "b.yaml"), "--precision", str(tmp_path / "p.yaml"),
                       "-o", str(tmp_path / "o2.json")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err == (f"error: {model}: operator fc4: no tile kind that converts its bits has room for it "
                                 "(crossbars: low 80 needed, 64 left, high 80 needed, 64 left)"), err


def test_an_operator_no_kind_converts_is_a_one_line_error(tmp_path, capsys):
    """Both kinds at most 6 bits: fc4 at 8 bits over 64 rows needs min(8, 8) = 8 bits (module docstring)."""
    doc = _kinds_doc()
    doc["chip"]["tile_kinds"][0]["pe"] = {"adc": {"bits": 6}}
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(doc))
    model = _model(tmp_path / "m.onnx")
    code = pimcompile([str(model), "--arch", str(tmp_path / "a.yaml"), "-o", str(tmp_path / "o.json")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err == (f"error: {model}: operator fc4: 8-bit weights x 8-bit inputs need 8-bit "
                                 "conversions; no tile kind converts them (ADC bits: high 6, low 4)")
    assert not (tmp_path / "o.json").exists()


FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("model,budget_mm2", [("deepctr_xdeepfm", None), ("deepctr_xdeepfm", 26.3),
                                              ("deepctr_dcn", None)])
def test_every_block_sits_on_a_tile_of_the_kind_its_operator_was_given(tmp_path, capsys, model, budget_mm2):
    """The two-kind point of configs/search/hw_codesign.yaml: 16 tiles, ``wide`` (tiles 0-7, 256x256 crossbars,
    8-bit ADCs) and ``narrow`` (tiles 8-15, 64x64, 6-bit ADCs).  Whole chip: own tiles per operator, copy groups
    trimmed; 26.3 mm^2: the first 9 tiles (``pimsim.cost.area.chip_area_mm2`` of 9 tiles is 26.25 mm^2, of 10
    26.59), i.e. 8 wide and 1 narrow, too few for an own tile per operator: the dense walk.  Every crossbar
    operator's blocks lie on tiles of the kind ``choose_kind`` gives it, and ``pimsim`` accepts the mapping
    (``check_mapping``: blocks within their tile's PEs, crossbars and crossbar size, ``adc_bits`` within its ADC)."""
    from compiler.passes.optimize.kinds import choose_kind
    from pimsim.spec.arch import arch_from_dict
    from pimsim.spec.mapping import check_mapping, load_mapping

    doc = load_arch("default").model_dump(mode="json")
    doc["chip"].update(tiles=16, mesh_cols=4, tile_kinds=[
        {"name": "wide", "count": 8, "pe": {"crossbar": {"rows": 256, "cols": 256}}},
        {"name": "narrow", "count": 8, "pe": {"crossbar": {"rows": 64, "cols": 64}, "adc": {"bits": 6}}}])
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(doc))
    arch = arch_from_dict(doc, "a.yaml")
    argv = [str(FIXTURES / f"{model}.onnx"), "--arch", str(tmp_path / "a.yaml"), "-o", str(tmp_path / "m.json"),
            "--report"]
    assert pimcompile(argv + (["--area-budget-mm2", str(budget_mm2)] if budget_mm2 else [])) == 0
    out = capsys.readouterr().out
    assert ("dense along the mesh walk" in out) == (budget_mm2 is not None)
    mapping = load_mapping(tmp_path / "m.json")
    check_mapping(mapping, "m.json")
    kinds = set()
    for op in mapping.operators:
        if op.kind != "mvm":
            continue
        p = op.precision
        kind = choose_kind(arch, op.name, op.k, op.n, p.weight_bits, p.input_bits, "m.json")
        assert {arch.tile_kind_of(b.tile) for b in op.blocks} == {kind}, op.name
        kinds.add(kind)
    assert kinds  # the model has crossbar operators


def test_the_same_layers_on_a_single_8_bit_kind_convert_fc4_at_8_bits(compiled, capsys):
    """The default preset (one kind, 8-bit ADCs) with the same policy: fc4 converts at min(8, 8) = 8 bits,
    512 x 1.40625 = 720 pJ instead of 341.2 pJ on the 4-bit kind; fc8 as before (module docstring)."""
    out = compiled / "single.json"
    assert pimcompile([str(compiled / "m.onnx"), "--arch", "default", "--precision", str(compiled / "policy.yaml"),
                       "-o", str(out)]) == 0
    report = _run(capsys, out)
    assert report["energy_breakdown_pj"]["adc"] == pytest.approx(512 * 1.40625 + 1024 * E7_PJ, rel=1e-9)
