"""The search engine, objectives, history and executors, on the analytic toy problem (toy.py)."""

from __future__ import annotations

import json
import random

import pytest

from recsys_models.errors import UserError
from recsys_models.search import engine, objectives
from recsys_models.search.engine import EvolutionConfig, Scorer, mutations_per_child
from recsys_models.search.executor import BatchExecutor, check_address
from recsys_models.search.history import HistoryWriter, read_history

from . import toy

FACTORY = "tests.recsys_models.search.toy:make_toy_evaluator"


def _run(cfg, known=None, on_new=None, rank=None, objective=None):
    obj = objective or objectives.parse_objective("accuracy")
    scorer = Scorer(toy.ToyProblem(), lambda cs: [toy.toy_metrics(c) for c in cs], obj.fitness, known, on_new)
    return engine.regularized_evolution(toy.ToyProblem(), scorer, cfg, rank=rank)


def test_mutation_schedule_matches_nasrec():
    """NASRec B.3: (G - g) // max(20, G // 5) + 1 decays 6 -> 1 over 240 generations (hand: 240//48+1 = 6)."""
    assert mutations_per_child(0, 240) == 6
    assert mutations_per_child(239, 240) == 1
    assert mutations_per_child(48, 240) == 5  # (240-48)//48 + 1
    assert mutations_per_child(0, 10) == 1  # max(20, 2) = 20 > 10


def test_default_config_is_nasrec_scale():
    """128 + 240 x 8 = 2,048 subnets (B.3)."""
    assert EvolutionConfig().total() == 2048
    small = EvolutionConfig.for_budget(100, population=16, children=8, sample_size=8)
    assert (small.population, small.generations, small.total()) == (16, 11, 104)  # ceil(84/8) = 11


def test_evolution_beats_random_and_never_repeats():
    cfg = EvolutionConfig(population=16, generations=30, children=8, sample_size=8, seed=1)
    state = _run(cfg)
    keys = [e.key for e in state.evaluated]
    assert len(keys) == len(set(keys)) == cfg.total()  # 8^6 = 262,144 points, so no slot stays empty
    best_evo = min(e.fitness for e in state.evaluated)
    scorer = Scorer(toy.ToyProblem(), lambda cs: [toy.toy_metrics(c) for c in cs], lambda m: m["log_loss"])
    rnd = engine.random_search(toy.ToyProblem(), scorer, cfg.total(), seed=1)
    best_rnd = min(e.fitness for e in rnd.evaluated)
    assert len(rnd.evaluated) == cfg.total()
    assert best_evo < best_rnd  # evolution finds a closer vector with the same 256 evaluations
    assert best_evo <= 0.02  # within two unit steps of the target (seeded, reproducible)


def test_aging_drops_the_oldest():
    """After g generations of 8 children with population 16, the population is the 16 newest."""
    cfg = EvolutionConfig(population=16, generations=3, children=8, sample_size=4, seed=0)
    state = _run(cfg)
    gens = [e.generation for e in state.evaluated]
    assert gens.count(0) == 16 and gens.count(3) == 8


def test_same_seed_same_search():
    cfg = EvolutionConfig(population=8, generations=5, children=4, sample_size=4, seed=7)
    assert [e.key for e in _run(cfg).evaluated] == [e.key for e in _run(cfg).evaluated]


def test_objective_parsing_and_scalar_value():
    obj = objectives.parse_objective("scalar:latency_ns=0.1@1000")
    # hand: 0.2 + 0.1 * (1500/1000 - 1) = 0.25
    assert obj.fitness({"log_loss": 0.2, "latency_ns": 1500.0}) == pytest.approx(0.25)
    assert obj.needs_hardware and obj.metrics == ("log_loss", "latency_ns")
    with pytest.raises(UserError, match="unknown metric 'latency_us'"):
        objectives.parse_objective("scalar:latency_us=0.1@1000")
    with pytest.raises(UserError, match="unknown metric 'speed'"):
        objectives.parse_objective("pareto:log_loss,speed")
    with pytest.raises(UserError, match="METRIC=WEIGHT@TARGET"):
        objectives.parse_objective("scalar:latency_ns=0.1")


def test_pareto_front_and_ranks():
    """Hand-checked: (1,3),(2,2),(3,1) are mutually non-dominated; (3,3) is dominated by (2,2)."""
    vecs = [(1, 3), (2, 2), (3, 3), (3, 1), (4, 4)]
    assert objectives.non_dominated(vecs) == [0, 1, 3]
    assert objectives.pareto_ranks(vecs) == [0, 0, 1, 0, 2]
    obj = objectives.parse_objective("pareto:log_loss,throughput_inferences_per_s")
    assert obj.vector({"log_loss": 0.4, "throughput_inferences_per_s": 10.0}) == (0.4, -10.0)  # maximised


def test_pareto_mode_search_spreads_the_front():
    obj = objectives.parse_objective("pareto:log_loss,latency_ns")
    rank = lambda sample: objectives.pareto_ranks([obj.vector(e.metrics) for e in sample])  # noqa: E731
    state = _run(EvolutionConfig(population=16, generations=10, children=8, sample_size=8), rank=rank,
                 objective=obj)
    front = objectives.non_dominated([obj.vector(e.metrics) for e in state.evaluated])
    assert len(front) >= 3  # several latency/loss trade-offs, not one point


def test_history_resume_reevaluates_nothing(tmp_path):
    path = tmp_path / "h.jsonl"
    cfg = EvolutionConfig(population=8, generations=4, children=4, sample_size=4, seed=3)
    run = {"seed": 3, "space": "toy"}
    with HistoryWriter(path, run) as hist:
        first = _run(cfg, on_new=lambda e: hist.append(e.key, e.generation, e.candidate, e.metrics))
    toy.CALLS.clear()
    with HistoryWriter(path, run) as hist:
        again = _run(cfg, known=hist.known_metrics(),
                     on_new=lambda e: hist.append(e.key, e.generation, e.candidate, e.metrics))
    assert toy.CALLS == []  # everything came from the history
    assert [e.key for e in again.evaluated] == [e.key for e in first.evaluated]
    # extending the run (more generations) evaluates only the new children
    longer = EvolutionConfig(population=8, generations=6, children=4, sample_size=4, seed=3)
    with HistoryWriter(path, {**run}) as hist:
        _run(longer, known=hist.known_metrics(),
             on_new=lambda e: hist.append(e.key, e.generation, e.candidate, e.metrics))
    assert len(toy.CALLS) == 8
    _, records = read_history(path)
    assert len(records) == longer.total()


def test_history_torn_tail_is_repaired_and_corruption_named(tmp_path):
    path = tmp_path / "h.jsonl"
    with HistoryWriter(path, {"seed": 0}) as hist:
        hist.append("a", 0, {"x": [1]}, {"log_loss": 0.5})
        hist.append("b", 0, {"x": [2]}, {"log_loss": 0.4})
    intact = path.read_bytes()
    path.write_bytes(intact + b'{"key": "c", "gen')  # killed mid-write
    header, records = read_history(path)
    assert [r["key"] for r in records] == ["a", "b"] and path.read_bytes() == intact
    lines = intact.split(b"\n")
    lines[1] = b"garbage"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(UserError, match="line 2: not a JSON record"):
        read_history(path)


def test_history_refuses_a_different_run(tmp_path):
    path = tmp_path / "h.jsonl"
    HistoryWriter(path, {"seed": 0, "budget": 10}).close()
    HistoryWriter(path, {"seed": 0, "budget": 20}).close()  # a bigger budget extends the run
    with pytest.raises(UserError, match="seed: was 0, now 1"):
        HistoryWriter(path, {"seed": 1, "budget": 20})


def test_process_pool_matches_in_process():
    rng = random.Random(0)
    cands = [toy.ToyProblem().sample(rng) for _ in range(7)]
    with BatchExecutor(FACTORY, {}) as serial_executor:
        serial = serial_executor(cands)
    with BatchExecutor(FACTORY, {}, workers=2) as pool:
        assert pool.backend.client is None and pool.workers == 2
        assert pool(cands) == serial  # same order, same values
    assert json.dumps(serial)  # JSON-able, as the history needs


def test_scheduler_address_forms():
    """Any host (workers may be on other machines); malformed addresses name the option."""
    assert check_address("127.0.0.1:8786") == "tcp://127.0.0.1:8786"
    assert check_address("tcp://node7.cluster:8786") == "tcp://node7.cluster:8786"
    assert check_address("tls://10.0.0.5:8786") == "tls://10.0.0.5:8786"
    for bad in ("10.0.0.5", "http://10.0.0.5:8786", "tcp://:8786", "tcp://h:port", "tcp://h:1/x"):
        with pytest.raises(UserError, match="--scheduler"):
            check_address(bad)


def test_dask_executor_on_a_local_cluster():
    import distributed  # a core dependency; imported here, the one test that starts a cluster (a heavy import)

    rng = random.Random(1)
    cands = [toy.ToyProblem().sample(rng) for _ in range(5)]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            BatchExecutor(FACTORY, {}, scheduler=cluster.scheduler_address) as ex:
        assert ex.workers == 2 and ex.blobs is not None  # two single-thread workers: two chunks
        assert ex(cands) == [toy.toy_metrics(c) for c in cands]


def test_infeasible_designs_are_never_chosen():
    from recsys_models.search.report import best_designs

    obj = objectives.parse_objective("scalar:latency_ns=0.1@1000")
    assert obj.fitness({"log_loss": 0.1, "infeasible": "op Pad unsupported"}) == float("inf")
    items = [engine.Evaluated("a", {}, {"log_loss": 0.1, "infeasible": "x"}, float("inf"), 0),
             engine.Evaluated("b", {}, {"log_loss": 0.5, "latency_ns": 900.0}, 0.49, 0)]
    assert [e.key for e in best_designs(items, obj, 3)] == ["b"]


def test_initial_candidates_open_the_population():
    cfg = EvolutionConfig(population=4, generations=1, children=2, sample_size=2, seed=0)
    obj = objectives.parse_objective("accuracy")
    scorer = Scorer(toy.ToyProblem(), lambda cs: [toy.toy_metrics(c) for c in cs], obj.fitness)
    state = engine.regularized_evolution(toy.ToyProblem(), scorer, cfg, initial=[{"x": list(toy.TARGET)}])
    assert state.evaluated[0].key == "314152" and state.evaluated[0].fitness == 0.0  # the target itself
    assert len(state.evaluated) == 6
