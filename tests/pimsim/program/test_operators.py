"""Operator kinds beyond a plain mvm: embedding lookups from DRAM with pooling, replicas, vector and
run-time-written crossbars, each against a hand calculation (default preset, 1200 MHz)."""

from __future__ import annotations

from pimsim.api import simulate
from pimsim.spec.arch import arch_from_dict
from pimsim.spec.mapping import mapping_from_dict
from tests.pimsim.program.builders import arch_doc, chain_mapping, mvm
from tests.pimsim.program.test_validation import phase_tasks, run


def _doc(values, ops, inputs, outputs, arch=None):
    arch = arch or arch_doc()
    return mapping_from_dict({
        "schema_version": 2, "tool": "hand-built test mapping",
        "model": {"path": "t.onnx", "sha256": "0" * 64, "name": "ops", "opset": 18},
        "arch_sha256": arch_from_dict(arch, "arch").sha256(), "arch": arch, "strategy": "naive",
        "inputs": inputs, "outputs": outputs, "values": values, "operators": ops}, "test-mapping")


def embedding_mapping():
    values = [{"name": "idx", "shape": [2, 3], "bits": 32, "dtype": "int64"},
              {"name": "tab", "shape": [1000, 16], "bits": 8, "constant": True},
              {"name": "e", "shape": [2, 16], "bits": 8}, {"name": "r", "shape": [2, 16], "bits": 8}]
    ops = [{"kind": "embedding", "name": "emb", "op_type": "EmbeddingBag", "inputs": ["tab", "idx"], "outputs": ["e"],
            "tile": 0, "precision": {"input_bits": 32, "output_bits": 8}, "tables": 2, "rows": 1000, "dim": 16,
            "lookups": 3, "storage": "dram"},
           {"kind": "vector", "name": "act", "op_type": "Relu", "inputs": ["e"], "outputs": ["r"], "tile": 0,
            "precision": {"input_bits": 8, "output_bits": 8}, "ops": {"compare": 32}}]
    return _doc(values, ops, ["idx"], ["r"])


def test_embedding_lookup_from_dram_and_pooling():
    """2 tables x 3 lookups x 16 x 8 bits = 768 bits from DRAM: 50 ns first bit = 60 cycles of delay
    (the channel is free meanwhile: bank parallelism), then 204.8 Gb/s = 170.67 bits/cycle ->
    ceil(768 / 170.67) = 5 cycles holding the channel; the data is complete 65 cycles after the request.
    Pooling: 2 x (3 - 1) x 16 = 64 adds on 32 lanes = 2 cycles.  ReLU: 32 compares on 32 lanes = 1 cycle."""
    stream, res = run(embedding_mapping())
    (s, f, _), = phase_tasks(stream, res, "lookup")
    (ps, pf, _), = phase_tasks(stream, res, "pool")
    (vs, vf, _), = phase_tasks(stream, res, "vector")
    assert (f - s, pf - ps, vf - vs) == (5, 2, 1)
    e = simulate(embedding_mapping()).energy_breakdown_pj["embedding_storage"]
    assert abs(e - 768 * 20.0) < 1e-9, "default preset: 20 pJ per DRAM bit (Horowitz ISSCC 2014)"


def test_dram_lookups_overlap_their_latency():
    """Two lookups issued together (the same index input): each waits the 60-cycle access latency
    without holding the channel, then holds it for its 5-cycle transfer.  So the second finishes 5
    cycles after the first (bandwidth-bound), not 65 (one whole access) after it."""
    values = [{"name": "idx", "shape": [2, 3], "bits": 32, "dtype": "int64"},
              {"name": "tab", "shape": [1000, 16], "bits": 8, "constant": True},
              {"name": "e1", "shape": [2, 16], "bits": 8}, {"name": "e2", "shape": [2, 16], "bits": 8}]
    emb = {"kind": "embedding", "op_type": "EmbeddingBag", "inputs": ["tab", "idx"], "tile": 0,
           "precision": {"input_bits": 32, "output_bits": 8}, "tables": 2, "rows": 1000, "dim": 16,
           "lookups": 3, "storage": "dram"}
    ops = [dict(emb, name="a", outputs=["e1"]), dict(emb, name="b", outputs=["e2"])]
    stream, res = run(_doc(values, ops, ["idx"], ["e1", "e2"]))
    (s1, f1, _), (s2, f2, _) = sorted(phase_tasks(stream, res, "lookup"))
    assert (f1 - s1, f2 - s2, f2 - f1) == (5, 5, 5)


def test_replicas_take_alternate_queries():
    """Two replicas of a crossbar stage held 960 cycles per query, on different crossbars: queries 0 and 1
    run side by side, so two queries take far less than latency + 960 (one replica needs exactly that)."""
    doc = chain_mapping([(0, (0, 0, 0))]).model_dump(mode="json")
    op = doc["operators"][0]
    op["replicas"] = 2
    op["blocks"].append(dict(op["blocks"][0], crossbar=1, replica=1))
    two = mapping_from_dict(doc, "test-mapping")
    one = simulate(chain_mapping([(0, (0, 0, 0))]), batch=2)
    both = simulate(two, batch=2)
    assert one.makespan_cycles == 1138 + 960
    assert both.makespan_cycles < 1138 + 100
    assert both.utilization["crossbar"] > 0


def test_dynamic_mvm_written_at_run_time_pays_the_write():
    """Same 128 x 16 product as a dynamic_mvm on a crossbar written at run time: the crossbar first
    programs 128 rows at 50.3 ns = ceil(60.36) = 61 cycles each (7808 cycles), then reads its 8 slices
    (held 8 x 120 = 960 cycles, tests/pimsim/program/test_validation.py)."""
    values = [{"name": "a", "shape": [128], "bits": 8}, {"name": "w", "shape": [128, 16], "bits": 8},
              {"name": "y", "shape": [16], "bits": 8}]
    base = mvm("dm", "a", "y", 128, 16, 0, [(0, 0, 0)])
    base.update(kind="dynamic_mvm", op_type="MatMul", inputs=["a", "w"], count=1, implementation="crossbar_write")
    base.pop("replicas", None)
    m = _doc(values, [base], ["a", "w"], ["y"])
    stream, res = run(m)
    (ws, wf, _), = phase_tasks(stream, res, "write weights")
    (xs, xf, _), = phase_tasks(stream, res, "mvm")
    assert (wf - ws, xf - xs, xs) == (128 * 61, 960, wf)
