"""Regularised (aging) evolution and random search over an abstract candidate.

What is modelled: NASRec's search loop (``facebookresearch/NasRec``
``searcher/searcher.py`` and ``scripts/run_ea/*.sh``, see
``recsys_search_space.md`` B.3): an initial population of 128 random
candidates, then 240 generations; each generation draws a tournament sample
of 64 from the population, takes the best as the parent, produces 8 mutated
children (duplicates rejected by hash), appends them and drops the 8 oldest
(aging, Real et al. 2019).  The number of mutations per child decays as
``(G - g) // max(20, G // 5) + 1`` (6 -> 1 for G = 240).  Random search,
the baseline, samples distinct candidates until the budget is spent.

The engine knows nothing about recommender models: a :class:`Problem` samples,
mutates and hashes candidates (JSON-able dicts), and an ``evaluate`` callable
scores a batch of them.  Scores already known (the resumable history, see
``history.py``) are reused instead of re-evaluated; because every random draw
comes from one seeded generator whose use does not depend on timing, re-running
the same command replays the same candidates and continues where it stopped.

Assumptions: lower fitness is better (log loss, or a scalarised objective);
in Pareto mode the tournament winner is the one with the lowest
non-domination rank within the sample, ties broken by the scalarised value.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

Candidate = dict[str, Any]
Metrics = dict[str, float | str]
"""A candidate's figures by name; a design the tools rejected has ``"infeasible": <reason>`` (``oracle.py``)."""

MAX_DUPLICATE_DRAWS = 64
"""Attempts to draw a child not seen before; past that the slot stays empty (tiny spaces only)."""


class Problem(Protocol):
    """What the engine needs from a search space."""

    def sample(self, rng: random.Random) -> Candidate: ...

    def mutate(self, candidate: Candidate, rng: random.Random) -> Candidate: ...

    def key(self, candidate: Candidate) -> str: ...


@dataclass(frozen=True)
class EvolutionConfig:
    """NASRec defaults (B.3); every field can be scaled down from the command line."""

    population: int = 128
    generations: int = 240
    children: int = 8
    sample_size: int = 64
    seed: int = 0

    def total(self) -> int:
        return self.population + self.generations * self.children

    @classmethod
    def for_budget(cls, budget: int, **kw) -> "EvolutionConfig":
        """Keep population/children/sample, set generations so ``total() >= budget``."""
        base = cls(**kw)
        pop = min(base.population, budget)
        gens = max(0, -(-(budget - pop) // base.children))
        return cls(**{**kw, "population": pop, "generations": gens,
                      "sample_size": min(base.sample_size, pop)})


def mutations_per_child(generation: int, generations: int) -> int:
    """NASRec's decaying schedule: ``(G - g) // max(20, G // 5) + 1``."""
    return (generations - generation) // max(20, generations // 5) + 1


@dataclass
class Evaluated:
    key: str
    candidate: Candidate
    metrics: Metrics
    fitness: float
    generation: int


@dataclass
class SearchState:
    """Everything evaluated so far, in evaluation order."""

    evaluated: list[Evaluated] = field(default_factory=list)
    by_key: dict[str, Evaluated] = field(default_factory=dict)
    fresh_evaluations: int = 0

    def add(self, item: Evaluated) -> None:
        if item.key not in self.by_key:
            self.by_key[item.key] = item
            self.evaluated.append(item)


class Scorer:
    """Turns candidates into :class:`Evaluated`, reusing known metrics.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(list[Candidate]) -> list[Metrics]`` for the unknown ones.
    fitness : callable
        ``fitness(Metrics) -> float`` (lower is better).
    known : dict
        ``key -> Metrics`` from a previous run's history.
    on_new : callable, optional
        Called with each freshly evaluated item (the history writer).
    on_batch : callable, optional
        Called once after each batch with fresh items (the history's fsync).
    """

    def __init__(self, problem: Problem, evaluate, fitness, known=None, on_new=None, on_batch=None):
        self.problem, self.evaluate, self.fitness = problem, evaluate, fitness
        self.known: dict[str, Metrics] = dict(known or {})
        self.on_new = on_new or (lambda item: None)
        self.on_batch = on_batch or (lambda: None)

    def __call__(self, cands: Sequence[Candidate], generation: int, state: SearchState) -> list[Evaluated]:
        keys = [self.problem.key(c) for c in cands]
        todo = [(k, c) for k, c in zip(keys, cands) if k not in self.known]
        if todo:
            results = self.evaluate([c for _, c in todo])
            for (k, c), m in zip(todo, results):
                self.known[k] = m
                state.fresh_evaluations += 1
                self.on_new(Evaluated(k, c, m, self.fitness(m), generation))
            self.on_batch()
        out = [Evaluated(k, c, self.known[k], self.fitness(self.known[k]), generation) for k, c in zip(keys, cands)]
        for item in out:
            state.add(item)
        return out


def _draw_new(make: Callable[[], Candidate], problem: Problem, seen: set[str]) -> Candidate | None:
    for _ in range(MAX_DUPLICATE_DRAWS):
        cand = make()
        k = problem.key(cand)
        if k not in seen:
            seen.add(k)
            return cand
    return None


def _mutate_n(problem: Problem, parent: Candidate, n: int, rng: random.Random) -> Candidate:
    child = parent
    for _ in range(n):
        child = problem.mutate(child, rng)
    return child


def random_search(problem: Problem, scorer: Scorer, budget: int, seed: int = 0, batch: int = 8,
                  progress=None) -> SearchState:
    """Sample ``budget`` distinct candidates, scored in batches of ``batch``."""
    rng, state = random.Random(seed), SearchState()
    seen: set[str] = set()
    done = 0
    while done < budget:
        cands = []
        for _ in range(min(batch, budget - done)):
            cand = _draw_new(lambda: problem.sample(rng), problem, seen)
            if cand is not None:
                cands.append(cand)
        if not cands:
            break  # the space is exhausted
        scorer(cands, 0, state)
        done += len(cands)
        if progress:
            progress(len(cands))
    return state


def _select_parent(sample: list[Evaluated], rank: Callable[[list[Evaluated]], list[int]] | None) -> Evaluated:
    if rank is None:
        return min(sample, key=lambda e: e.fitness)
    ranks = rank(sample)
    return min(zip(ranks, sample), key=lambda rs: (rs[0], rs[1].fitness))[1]


def regularized_evolution(problem: Problem, scorer: Scorer, cfg: EvolutionConfig, rank=None,
                          progress=None, initial: Sequence[Candidate] = ()) -> SearchState:
    """NASRec's aging evolution; ``rank(sample) -> list[int]`` switches on Pareto parent selection.

    ``initial`` candidates (e.g. published architectures) open the population; random ones fill the rest.
    """
    rng, state = random.Random(cfg.seed), SearchState()
    seen: set[str] = set()
    init = []
    for cand in initial[: cfg.population]:
        if problem.key(cand) not in seen:
            seen.add(problem.key(cand))
            init.append(cand)
    fill = (_draw_new(lambda: problem.sample(rng), problem, seen) for _ in range(cfg.population - len(init)))
    init += [c for c in fill if c]
    population = deque(scorer(init, 0, state))
    if progress:
        progress(len(init))
    for gen in range(cfg.generations):
        n_mut = mutations_per_child(gen, cfg.generations)
        sample = rng.sample(list(population), min(cfg.sample_size, len(population)))
        parent = _select_parent(sample, rank)  # one parent per generation, as NASRec
        children = []
        for _ in range(cfg.children):
            child = _draw_new(lambda: _mutate_n(problem, parent.candidate, n_mut, rng), problem, seen)
            if child is not None:
                children.append(child)
        for item in scorer(children, gen + 1, state):
            population.append(item)
            population.popleft()  # aging: the oldest dies, whatever its fitness
        if progress:
            progress(len(children))
    return state
