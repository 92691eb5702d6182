"""One search run: options -> problem, oracle, executor, engine, history -> outputs.

Outputs under ``--out DIR``: ``history.jsonl`` (resumable, see ``history.py``),
``summary.json`` (settings, best designs, oracle throughput), ``best.md`` (table of
the best designs), ``pareto.png`` and, per chosen design, ``designs/<n>-<key>/``
with ``arch.json``, ``pim_arch.yaml``, ``model.onnx``, ``mapping.json`` and ``metrics.json`` (see ``report.py``).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from recsys_models.errors import UserError
from recsys_models.search import engine, objectives
from recsys_models.search.engine import EvolutionConfig, Scorer
from recsys_models.search.executor import check_address, make_executor
from recsys_models.search.history import HistoryWriter

FACTORY = "recsys_models.oracles.oracle:make_evaluator"


@dataclass
class SearchOptions:
    space: str
    dataset: str
    out: str
    data: str | None = None
    supernet: str | None = None
    arch: str = "default"
    hw_space: str | None = None
    objective: str = "accuracy"
    max_logloss: float | None = None
    logloss_slack: float | None = None
    logloss_reference: float | None = None
    algorithm: str = "evolution"
    budget: int | None = None
    population: int = 128
    generations: int = 240
    children: int = 8
    sample_size: int = 64
    seed: int = 0
    seed_archs: tuple[str, ...] = ()
    quantized: bool = True
    strategy: str = "optimized"
    oracle: str = "composed"
    unit_strategy: str = "naive"
    layernorm: bool = False
    cost_cache: str | None = None
    verify_top: int = 16
    batch: int = 1
    finetune_steps: int = 500
    finetune_batches: int = 64
    eval_rows: int | None = None
    workers: int = 1
    scheduler: str | None = None
    top: int = 3
    device: str = "cpu"
    progress_every: float = 30.0


def _digest(path: str | None) -> str | None:
    if not path:
        return None
    p = Path(path)
    if not p.is_file():
        raise UserError(path, "no such file")
    return hashlib.sha256(p.read_bytes()).hexdigest()[:16]


def evolution_config(opts: SearchOptions) -> EvolutionConfig:
    kw = dict(population=opts.population, children=opts.children, sample_size=opts.sample_size, seed=opts.seed)
    if opts.budget is not None:
        return EvolutionConfig.for_budget(opts.budget, **kw)
    return EvolutionConfig(generations=opts.generations, **kw)


def oracle_spec(opts: SearchOptions, objective: objectives.Objective) -> dict:
    return {
        "space": opts.space, "dataset": opts.dataset, "data": opts.data, "supernet": opts.supernet,
        "base_arch": opts.arch, "hw_space": opts.hw_space, "strategy": opts.strategy, "oracle": opts.oracle,
        "unit_strategy": opts.unit_strategy, "layernorm": opts.layernorm, "batch": opts.batch,
        "finetune_steps": opts.finetune_steps,
        "finetune_batches": opts.finetune_batches, "eval_rows": opts.eval_rows, "seed": opts.seed,
        "device": opts.device,
        "needs_hardware": objective.needs_hardware or bool(opts.hw_space),
        "cache_dir": opts.cost_cache or str(Path(opts.out) / "cost_cache"),
    }


NOT_IN_HEADER = ("out", "top", "workers", "scheduler", "cost_cache", "verify_top", "device", "progress_every")
"""Options that do not change which candidates are evaluated or their scores: free to differ on resume."""


def run_header(opts: SearchOptions, objective: objectives.Objective) -> dict:
    run = {k: v for k, v in asdict(opts).items() if k not in NOT_IN_HEADER}
    if opts.oracle == "exact":  # units are never priced: histories written before the option existed still resume
        del run["unit_strategy"]
    if not opts.layernorm:  # off is how every history before the option was priced: those still resume
        del run["layernorm"]
    run.update(objective=objective.to_json(), supernet_sha=_digest(opts.supernet), hw_space_sha=_digest(opts.hw_space),
               seed_archs=[_digest(p) for p in opts.seed_archs],
               data=Path(opts.data).name if opts.data else None, supernet=None, hw_space=None)
    return run


def search_space(opts: SearchOptions):
    """The supernet's space (its menus may be narrowed) when a checkpoint is given, else the named default."""
    from recsys_models.space import get_space

    if opts.supernet:
        from recsys_models.oracles.accuracy import load_checked_supernet

        return load_checked_supernet(opts.supernet, opts.space, opts.dataset).space
    try:
        return get_space(opts.space)
    except ValueError as exc:
        raise UserError("--space", str(exc)) from None


def build_problem(opts: SearchOptions):
    from recsys_models.search.hw_space import load_hw_space
    from recsys_models.search.problem import CoDesignProblem

    space = search_space(opts)
    hw = load_hw_space(opts.hw_space) if opts.hw_space else None
    return CoDesignProblem(space, hw, quantized=opts.quantized)


def seed_candidates(opts: SearchOptions, problem) -> list[dict]:
    """``--seed-arch`` files as candidates (validated against the space; hardware point drawn with the seed)."""
    import random

    from recsys_models.space import ArchError, arch_to_json, load_arch

    rng, out = random.Random(opts.seed + 1), []
    for path in opts.seed_archs:
        try:
            arch = load_arch(path, problem.space)
        except ArchError as exc:
            raise UserError(path, str(exc).removeprefix(f"{path}: ")) from None
        hw = problem.hw_space.sample(rng) if problem.hw_space else {}
        out.append({"arch": arch_to_json(arch, problem.space), "hw": hw})
    return out


@dataclass
class SearchResult:
    state: engine.SearchState
    objective: objectives.Objective
    seconds: float
    fresh: int

    @property
    def throughput(self) -> float:
        """Freshly evaluated candidates per second of search wall time."""
        return self.fresh / self.seconds if self.seconds > 0 else float("nan")


def _progress_bar(total: int, every_s: float):
    """Candidates evaluated (including those read back from the history): a bar, or lines without a terminal."""
    from recsys_models.train.progress import Progress

    return Progress("search", total, "cand", every_s)


def parse_objective(opts: SearchOptions) -> objectives.Objective:
    """``--objective`` with the log-loss constraint of ``--max-logloss`` / ``--logloss-slack``."""
    bound = objectives.log_loss_bound(opts.max_logloss, opts.logloss_slack, opts.logloss_reference)
    return objectives.parse_objective(opts.objective, max_log_loss=bound)


def _check_reachable(state: engine.SearchState, objective: objectives.Objective, opts: SearchOptions) -> None:
    """A log-loss bound no candidate met is an error naming the flag and the best log loss seen."""
    if objective.max_log_loss is None or any(objective.feasible(e.metrics) for e in state.evaluated):
        return
    losses = [float(e.metrics["log_loss"]) for e in state.evaluated if "log_loss" in e.metrics]
    best = f"the best of {len(losses)} candidates scored {min(losses):.4f}" if losses else "no candidate was scored"
    flag = "--max-logloss" if opts.logloss_slack is None else "--logloss-slack"
    raise UserError(flag, f"log-loss bound {objective.max_log_loss:.4f} reached by no feasible candidate ({best}; "
                          f"history kept in {Path(opts.out) / 'history.jsonl'})")


def run_search(opts: SearchOptions) -> SearchResult:
    objective = parse_objective(opts)
    if opts.scheduler:
        check_address(opts.scheduler)
    if opts.hw_space:
        from recsys_models.search.hw_space import load_hw_space

        load_hw_space(opts.hw_space)  # validate before anything slow
    if opts.supernet is None:
        raise UserError("--supernet", "required: candidates are scored by supernet-inherited log loss")
    for flag, value in (("--finetune-batches", opts.finetune_batches), ("--batch", opts.batch)):
        if value < 1:  # checked here, before any worker starts
            raise UserError(flag, f"{value}: must be at least 1")
    problem = build_problem(opts)
    initial = seed_candidates(opts, problem)
    cfg = evolution_config(opts)
    total = cfg.total() if opts.algorithm == "evolution" else (opts.budget or cfg.total())
    Path(opts.out).mkdir(parents=True, exist_ok=True)
    with HistoryWriter(Path(opts.out) / "history.jsonl", run_header(opts, objective)) as hist, \
            make_executor(FACTORY, oracle_spec(opts, objective), opts.workers, opts.scheduler) as executor:
        bar = _progress_bar(total, opts.progress_every)
        try:
            scorer = Scorer(problem, executor, objective.fitness, hist.known_metrics(),
                            lambda e: hist.append(e.key, e.generation, e.candidate, e.metrics), hist.sync)
            t0 = time.perf_counter()
            if opts.algorithm == "random":
                state = engine.random_search(problem, scorer, total, opts.seed, batch=max(8, opts.workers),
                                             progress=bar.update)
            else:
                rank = None
                if objective.mode == "pareto":
                    rank = lambda s: objectives.pareto_ranks([objective.vector(e.metrics) for e in s])  # noqa: E731
                state = engine.regularized_evolution(problem, scorer, cfg, rank=rank, progress=bar.update,
                                                     initial=initial)
            seconds = time.perf_counter() - t0
        finally:
            bar.close()
    _check_reachable(state, objective, opts)
    return SearchResult(state, objective, seconds, state.fresh_evaluations)
