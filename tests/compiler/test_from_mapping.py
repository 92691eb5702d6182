"""A written mapping read back as the IR (``compiler.ir.from_mapping``): the inverse of ``emit``, priced alike.

The fixture ``deepctr_autoint.onnx`` has every operator kind the estimator prices (embeddings, Gemm layers as
``mvm`` with copies under ``optimized``, attention products, copies, vector work, views).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import compile_graph
from compiler.cost.estimate import estimate
from compiler.ir.from_mapping import MappingReadError, graph_from_mapping
from compiler.passes.emit import to_mapping
from pimsim.spec.mapping import Mapping

MODEL = Path(__file__).parent / "fixtures" / "deepctr_autoint.onnx"


@pytest.fixture(scope="module")
def compiled(arch):
    graph, opts = compile_graph(str(MODEL), arch, "optimized")
    return graph, opts, to_mapping(graph, arch, opts)[0]


def test_emit_of_the_read_graph_is_the_mapping(compiled, arch):
    """Reading a mapping and emitting the graph again writes the same mapping, every field."""
    _, opts, mapping = compiled
    again, _ = to_mapping(graph_from_mapping(mapping), arch, opts)
    assert again.model_dump() == mapping.model_dump()
    kinds = {op.kind for op in mapping.operators}
    assert kinds == {"mvm", "dynamic_mvm", "embedding", "vector", "copy", "view"}  # every record was read


def test_estimate_of_the_mapping_is_the_estimate_of_the_graph(compiled, arch):
    """The optimiser's estimate (on the compiled IR) and the tests' (on the written mapping) are one number:
    latency, busiest unit, one query's energy and an 8-query stream, exactly."""
    graph, opts, mapping = compiled
    on_graph = estimate(graph, arch, opts.pipeline)
    on_mapping = estimate(graph_from_mapping(mapping), arch, mapping.pipeline)
    assert on_mapping.latency_cycles == on_graph.latency_cycles > 0
    assert (on_mapping.period_cycles, on_mapping.bottleneck) == (on_graph.period_cycles, on_graph.bottleneck)
    assert on_mapping.dynamic_energy_pj == on_graph.dynamic_energy_pj > 0
    assert on_mapping.makespan_cycles(8) == on_graph.makespan_cycles(8)


def test_copy_bits_not_whole_elements(compiled):
    """A copy writes whole elements of its output: bits that are not a multiple of the output's element width
    cannot be a ``CopyWork`` record, and the error names the operator and the field."""
    _, _, mapping = compiled
    data = mapping.model_dump()
    op = next(o for o in data["operators"] if o["kind"] == "copy")
    width = next(v["bits"] for v in data["values"] if v["name"] == op["outputs"][0])
    op["bits"] += 1
    with pytest.raises(MappingReadError, match=rf"operator {op['name']}: bits={op['bits']} is not a whole number "
                                               rf"of its output's {width}-bit elements"):
        graph_from_mapping(Mapping.model_validate(data))
