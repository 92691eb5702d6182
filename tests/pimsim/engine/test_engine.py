"""The Numba kernel against its pure-Python twin, and hand-checked schedules.

This folder also runs under ``NUMBA_DISABLE_JIT=1`` (see the Makefile), so it stays small and fast.
"""

from __future__ import annotations

import numpy as np
import pytest

from pimsim.engine.events import DEP_START_TO_START, LOG_FINISH, LOG_READY, LOG_START, NO_RESOURCE
from pimsim.engine.kernel import simulate_program
from pimsim.engine.program import build_program
from pimsim.engine.reference import simulate_program_reference


def random_program(seed: int, max_tasks: int = 40):
    """A random DAG: edges go from lower to higher position in a random permutation (acyclic by construction)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, max_tasks))
    n_res = int(rng.integers(1, 5))
    order = rng.permutation(n)
    res = rng.integers(-1, n_res, n)
    dur = rng.integers(0, 6, n)
    prio = rng.integers(0, 3, n)
    cap = rng.integers(1, 3, n_res)
    src, dst = [], []
    for _ in range(int(rng.integers(0, 2 * n + 1))):
        a, b = sorted(rng.choice(n, 2, replace=False)) if n > 1 else (0, 0)
        if a != b:
            src.append(order[a])
            dst.append(order[b])
    lag = rng.integers(0, 3, len(src)) * (rng.random(len(src)) < 0.4)
    kind = (rng.random(len(src)) < 0.3).astype(np.int8)
    return build_program(res, dur, prio, cap, src, dst, lag, kind)


@pytest.mark.parametrize("seed", range(60))
def test_kernel_and_twin_give_identical_event_logs(seed):
    prog = random_program(seed)
    fast = simulate_program(prog, log=True)
    slow = simulate_program_reference(prog, log=True)
    for a, b in zip(fast["log"], slow["log"]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(fast["finish_cycles"], slow["finish_cycles"])
    assert fast["events"] == slow["events"]
    assert (fast["finish_cycles"] >= 0).all(), "an acyclic program must run every task"


@pytest.mark.parametrize("seed", range(100, 106))
def test_kernel_and_twin_agree_on_larger_programs(seed):
    """Hundreds of tasks, so the 4-ary heaps are several levels deep and many tasks wait at once."""
    prog = random_program(seed, max_tasks=600)
    fast = simulate_program(prog, log=True)
    slow = simulate_program_reference(prog, log=True)
    for a, b in zip(fast["log"], slow["log"]):
        np.testing.assert_array_equal(a, b)
    assert fast["events"] == slow["events"]


def test_edges_are_grouped_finish_to_start_first_in_input_order():
    """Task 0's edges given as SS->1, FS->2, SS->3, FS->4: CSR holds 2, 4 (finish-to-start) then 1, 3."""
    prog = build_program([NO_RESOURCE] * 5, [1] * 5, [0] * 5, [], [0, 0, 0, 0], [1, 2, 3, 4], None,
                         [DEP_START_TO_START, 0, DEP_START_TO_START, 0])
    assert prog.succ_task.tolist() == [2, 4, 1, 3]
    assert (int(prog.succ_ptr[0]), int(prog.succ_mid[0]), int(prog.succ_ptr[1])) == (0, 2, 4)


def test_log_is_time_ordered_and_complete():
    prog = random_program(7)
    t, k, task = simulate_program(prog, log=True)["log"]
    assert (np.diff(t) >= 0).all()
    for code in (LOG_READY, LOG_START, LOG_FINISH):
        assert sorted(task[k == code].tolist()) == list(range(prog.n_tasks))


def test_one_server_serialises_and_two_servers_overlap():
    """Three 5-cycle tasks on one resource: capacity 1 finishes at 5, 10, 15; capacity 2 at 5, 5, 10."""
    for cap, expected in ((1, [5, 10, 15]), (2, [5, 5, 10])):
        prog = build_program([0, 0, 0], [5, 5, 5], [0, 0, 0], [cap], [], [])
        assert simulate_program(prog)["finish_cycles"].tolist() == expected


def test_priority_beats_arrival_order_among_tasks_ready_together():
    """Tasks 1 (prio 5) and 2 (prio 0) become ready together at cycle 3 when task 0 ends: 2 runs first (3..7), then 1 (7..11)."""
    prog = build_program([0, 0, 0], [3, 4, 4], [0, 5, 0], [1], [0, 0], [1, 2])
    out = simulate_program(prog)
    assert out["start_cycles"].tolist() == [0, 7, 3]


def test_start_to_start_lag_models_cut_through():
    """Link A then link B, 10-cycle serialisation, 2-cycle hop: B starts at 2, ends at 12; arrival 2 after B: 14."""
    prog = build_program([0, 1, NO_RESOURCE], [10, 10, 0], [0, 0, 0], [1, 1], [0, 1], [1, 2], [2, 2],
                         [DEP_START_TO_START, 0])
    out = simulate_program(prog)
    assert out["start_cycles"].tolist() == [0, 2, 14]


def test_cycle_leaves_tasks_unrun():
    prog = build_program([NO_RESOURCE] * 2, [1, 1], [0, 0], [], [0, 1], [1, 0])
    assert simulate_program(prog)["finish_cycles"].tolist() == [-1, -1]


def test_bad_programs_are_rejected():
    with pytest.raises(ValueError, match="negative duration"):
        build_program([0], [-1], [0], [1], [], [])
    with pytest.raises(ValueError, match="resource that does not exist"):
        build_program([3], [1], [0], [1], [], [])


@pytest.mark.parametrize("n_queries, stages", [(1, 1), (5, 3), (7, 4)])
def test_balanced_pipeline_takes_n_plus_k_minus_1_stage_times(n_queries, stages):
    """Query q's stage s runs on resource s for T = 7 cycles after its stage s-1: the classic pipeline
    diagram gives (N + k - 1) x T for N queries through k stages."""
    T = 7
    ids = np.arange(n_queries * stages).reshape(n_queries, stages)
    prog = build_program(np.tile(np.arange(stages), n_queries), np.full(ids.size, T),
                         np.repeat(np.arange(n_queries), stages), np.ones(stages), ids[:, :-1].ravel(),
                         ids[:, 1:].ravel())
    assert simulate_program(prog)["finish_cycles"].max() == (n_queries + stages - 1) * T
