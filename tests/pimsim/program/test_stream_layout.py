"""The stream's engine program is assembled per query from each template's sorted edges
(``pimsim.program.stream.layout_stream``): it must be exactly the program ``build_program`` sorts out of the
flat edge lists (each query's template edges in query order, then the credit edges), dtypes included, for a
stream with several templates (weight copies serving alternate queries) and credit edges."""

from __future__ import annotations

import numpy as np

from pimsim.cost.actions import Costs
from pimsim.engine.kernel import simulate_stream
from pimsim.engine.program import build_program
from pimsim.engine.reference import simulate_program_reference
from pimsim.program.build import lower_mapping
from pimsim.program.stream import _credit_edges
from pimsim.spec.mapping import mapping_from_dict
from tests.pimsim.program.builders import arch_doc
from tests.pimsim.program.test_execution_model import BLOCK, PREC, _doc


def alternating_mapping(groups: int, buffer_bytes: int):
    """x -> mvm (``groups`` copies on tile 0, query q uses copy q mod groups) -> y -> mvm on tile 1 -> z.

    x is 16 x 128 bytes = 2048 B; a ``buffer_bytes`` buffer of 4096 B holds x and its range reads only once
    or twice, so the stream has credit gates."""
    arch = arch_doc(tile__buffer__capacity_bytes=buffer_bytes)
    blocks = [dict(BLOCK, tile=0, pe=c // 8, crossbar=c % 8, replica=c) for c in range(groups)]
    values = [{"name": "x", "shape": [16, 128], "bits": 8}, {"name": "y", "shape": [16, 16], "bits": 8},
              {"name": "z", "shape": [16, 16], "bits": 8}]
    ops = [{"kind": "mvm", "name": "a", "op_type": "pim.LinearMVM", "inputs": ["x"], "outputs": ["y"], "tile": 0,
            "precision": PREC, "m": 16, "k": 128, "n": 16, "replicas": groups, "copies_per_query": 1,
            "blocks": blocks},
           {"kind": "mvm", "name": "b", "op_type": "pim.LinearMVM", "inputs": ["y"], "outputs": ["z"], "tile": 1,
            "precision": PREC, "m": 16, "k": 16, "n": 16,
            "blocks": [dict(BLOCK, tile=1, pe=0, crossbar=0, rows=16)]}]
    return mapping_from_dict(_doc(values, ops, ["x"], ["z"], arch), "test-mapping")


def flat_program(stream, table):
    """The old layout: every query's template edges concatenated in query order, then the credit edges."""
    tpls, off = stream.templates, stream.query_offset
    batch = off.size - 1
    res, dur, src, dst, lag, kind = [], [], [], [], [], []
    for q in range(batch):
        t = tpls[q % len(tpls)]
        res += t.res
        dur += t.dur
        src.append(np.asarray(t.src, np.int64) + off[q])
        dst.append(np.asarray(t.dst, np.int64) + off[q])
        lag.append(np.asarray(t.lag, np.int64))
        kind.append(np.asarray(t.kind, np.int8))
    cs, cd = _credit_edges(np.arange(batch) % len(tpls), off, stream.gates)
    prio = np.repeat(np.arange(batch), np.diff(off))
    return build_program(res, dur, prio, table.capacity, np.concatenate(src + [cs]), np.concatenate(dst + [cd]),
                         np.concatenate(lag + [np.zeros(cs.size, np.int64)]),
                         np.concatenate(kind + [np.zeros(cs.size, np.int8)])), cs.size


def test_layout_is_build_program_of_the_flat_edges():
    m = alternating_mapping(3, 4096)
    stream, table = lower_mapping(m, Costs.of(m.arch), 7)
    ref, credit_edges = flat_program(stream, table)
    assert len(stream.templates) == 3 and credit_edges > 0  # the case this test is for
    for f in ref.__dataclass_fields__:
        got, want = getattr(stream.program, f), getattr(ref, f)
        assert got.dtype == want.dtype and np.array_equal(got, want), f


def test_one_lowering_serves_every_stream_of_a_mapping():
    """The batch-2 stream reuses the templates of the batch-1 one (one lowering per mapping), and a stream of
    fewer queries than the replica period gets the resource table of the replicas it uses only."""
    m = alternating_mapping(3, 1 << 20)
    costs = Costs.of(m.arch)
    one, t1 = lower_mapping(m, costs, 1)
    two, t2 = lower_mapping(m, costs, 2)
    three, t3 = lower_mapping(m, costs, 3)
    assert two.templates[0] is one.templates[0] and three.templates[1] is two.templates[1]
    # replica k adds its own crossbar (and ADC); the rest is shared
    assert len(t2.keys) == len(t1.keys) + 2 and len(t3.keys) == len(t1.keys) + 4
    assert lower_mapping(m, costs, 1)[1].keys == t1.keys


def test_stream_kernel_gives_the_twin_schedule_of_the_whole_program():
    """The engine runs the stream without laying it out (per-query slots for the queries in flight only): its
    event log, each query's first start and last finish, the kept queries' task times and the critical query
    are those of the pure-Python twin on the whole program (``pimsim.engine.reference``)."""
    m = alternating_mapping(3, 4096)
    batch = 40
    stream, _ = lower_mapping(m, Costs.of(m.arch), batch)
    ref = simulate_program_reference(stream.program, log=True)
    run = simulate_stream(stream.tasks, keep_queries=5, log=True)
    for a, b in zip(run.log, ref["log"]):
        np.testing.assert_array_equal(a, b)
    assert run.events == ref["events"] and run.finished == stream.program.n_tasks
    off = stream.query_offset
    start, finish = ref["start_cycles"], ref["finish_cycles"]
    np.testing.assert_array_equal(run.first_start, np.minimum.reduceat(start, off[:-1]))
    np.testing.assert_array_equal(run.last_finish, np.maximum.reduceat(finish, off[:-1]))
    for q in range(5):
        n = off[q + 1] - off[q]
        np.testing.assert_array_equal(run.kept(q)[0][:n], start[off[q]:off[q + 1]])
        np.testing.assert_array_equal(run.kept(q)[1][:n], finish[off[q]:off[q + 1]])
    crit = int(np.argmax(run.last_finish - run.first_start))
    n = off[crit + 1] - off[crit]
    assert run.critical_query == crit
    np.testing.assert_array_equal(run.critical_finish[:n], finish[off[crit]:off[crit + 1]])
    # The buffer credits let only a few queries be in flight: the kernel held slots for those, not for 40.
    assert run.slots < batch // 2
