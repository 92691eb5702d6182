"""``pimsim run --json``'s ``operators``: per operator kind, tiles, copies, span, busy cycles, energy by component.

Expected numbers by hand (docstrings): a 2x2/2 MaxPool lowered to the vector unit (issue 18 item 1: k - 1
compares per output), priced with the vector unit's compare energy (Horowitz ISSCC 2014, 45 nm: an 8-bit add or
compare 0.03 pJ, scaled to the arch's node by Stillmaker & Baas, pimsim/components/digital.py).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from onnx import helper

from tests.compiler.helpers import make_model

F = np.float32


@pytest.fixture(scope="module")
def maxpool_mapping(tmp_path_factory):
    from compiler.api import compile_onnx_with_weights, write_compiled
    from pimsim.spec.arch import load_arch

    tmp = tmp_path_factory.mktemp("maxpool")
    nodes = [helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[2, 2], strides=[2, 2])]
    path = make_model(tmp / "pool.onnx", nodes, [("x", F, ["B", 4, 8, 8])], [("y", F, ["B", 4, 4, 4])], [], 22)
    mapping, weights = compile_onnx_with_weights(path, load_arch("default"), strategy="naive")
    write_compiled(mapping, tmp / "pool.json", weights)
    return mapping, tmp / "pool.json"


def test_maxpool_2x2_stride_2_by_hand(maxpool_mapping):
    """[4, 8, 8] per query -> [4, 4, 4] = 64 outputs x 3 compares = 192 compares.  Default arch: 32 nm, 32 vector
    lanes, 8-bit words: 192 x 0.03 pJ x energy_factor(45 -> 32 nm), and ceil(192 / 32) = 6 vector cycles between
    the buffer read of the 256 inputs and the buffer write of the 64 outputs."""
    from pimsim.api import simulate
    from pimsim.components.scaling import energy_factor
    from pimsim.cost.actions import Costs

    mapping, _ = maxpool_mapping
    (op,) = mapping.operators
    assert op.kind == "vector" and op.ops == {"compare": 192}
    arch = mapping.arch
    assert (arch.technology.node_nm, arch.tile.vector_unit.lanes, arch.precision.input_bits) == (32, 32, 8)
    report = simulate(mapping, batch=1)
    (rec,) = report.operator_records
    assert rec.energy_pj["vector_unit"] == pytest.approx(192 * 0.03 * energy_factor(45, 32), rel=1e-12)
    costs = Costs.of(arch)
    values = {v.name: v for v in mapping.values}
    buffer = costs.buffer_cycles(values["x"].size_bits) + costs.buffer_cycles(values["y"].size_bits)
    assert rec.busy_cycles == buffer + 6
    assert rec.energy_pj["tile_buffer"] == pytest.approx(
        costs.buffer_read_pj(values["x"].size_bits) + costs.buffer_write_pj(values["y"].size_bits), rel=1e-12)
    assert (rec.kind, rec.tiles, rec.copies) == ("vector", (op.tile,), 1)
    assert rec.end_cycles - rec.start_cycles == buffer + 6  # alone on its tile: no waiting inside the operator


def test_run_json_lists_every_operator(project_models, tmp_path, capsys):
    """DLRM at batch 4: one record per mapping operator; crossbar operators name their tiles and copies; per role,
    the operators' energies plus the graph input/output transfers make energy_breakdown_pj (every crossbar, ADC
    and vector joule belongs to an operator)."""
    from compiler.cli import main as pimcompile
    from pimsim.cli import main
    from pimsim.spec.mapping import load_mapping

    out = tmp_path / "dlrm.json"
    assert pimcompile([str(project_models["dlrm"]), "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["run", str(out), "--json", "--batch", "4"]) == 0
    report = json.loads(capsys.readouterr().out)
    mapping = load_mapping(out)
    assert report["model"] == "dlrm"  # the ONNX file's stem, not the exporter's graph name
    ops = report["operators"]
    assert [o["name"] for o in ops] == [op.name for op in mapping.operators]
    assert 0 <= report["stats"]["critical_query"] < 4
    for rec, op in zip(ops, mapping.operators):
        assert rec["kind"] == op.kind and op.tile in rec["tiles"]
        assert 0 <= rec["start_cycles"] <= rec["end_cycles"] <= report["stats"]["makespan_cycles"]
        if op.kind == "mvm":
            assert rec["copies"] == op.replicas and {b.tile for b in op.blocks} <= set(rec["tiles"])
            assert rec["busy_cycles"] > 0 and rec["energy_pj"]["adc"] > 0
    for role in ("adc", "crossbar", "dac", "vector_unit", "embedding_storage"):
        total = sum(o["energy_pj"].get(role, 0.0) for o in ops)
        assert total == pytest.approx(report["energy_breakdown_pj"][role], rel=1e-9), role
