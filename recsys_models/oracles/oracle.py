"""The candidate oracle: accuracy from the supernet, hardware metrics from compiler + pimsim.

``make_evaluator(spec)`` (the factory the executors call in each worker) builds
an :class:`Evaluator` once per process: it loads the supernet checkpoint and
the validation rows, and keeps a :class:`hardware_cost.CostCache`.

Accuracy: ``recsys_models.supernet.evaluate_subnet`` -- the subnet inherits
the supernet's weights and its logit layer is fine-tuned for
``finetune_steps`` steps (NASRec B.1 uses 500), then log loss (and AUC) on the
validation rows.

Hardware, ``spec["oracle"]``:

- ``"composed"`` (:class:`UnitOracle`, the search's default): the candidate's
  units (``units.py``) are each exported, compiled and simulated once per PIM
  configuration, then composed (``compose.py``); ``spec["unit_strategy"]``
  maps them ``"naive"`` (default) or ``"optimized"`` (under
  ``spec["unit_objective"]``, default ``hardware_cost.UNIT_OBJECTIVE``); see
  docs/search.md for the rules and their measured agreement with the exact
  oracle.
- ``"exact"``: the candidate's standalone model (random weights: the mapping
  and its cost do not depend on weight values) is exported to ONNX with its
  precisions as QDQ pairs, compiled with ``spec["strategy"]`` for the
  candidate's PIM configuration and simulated (``hardware_cost.price_onnx``).

Both price the standalone model as it will be trained: ``spec["layernorm"]``
(default off, NASRec's standalone models) puts LayerNorm in every block, as
``experiments/codesign`` trains NASRec-Full designs; the composed oracle's
block units then carry it too (``units.unit_specs``).

Results are cached (unit or whole candidate, with the arch-document digest and
batch in the key), in memory and in ``cache_dir`` shared by all workers and
later runs: nothing is compiled twice.

A design the compiler or simulator rejects (an unsupported operator, a model
that does not fit the chip) gets ``"infeasible": <reason>`` instead of hardware
metrics; the objective gives it infinite fitness, so it is recorded in the
history but never selected -- it is not priced as zero.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from recsys_models.errors import UserError
from recsys_models.io import atomic_path
from recsys_models.oracles import hardware_cost
from recsys_models.oracles.compose import Infeasible, compose
from recsys_models.search.engine import Metrics
from recsys_models.search.hw_space import load_hw_space

if TYPE_CHECKING:  # accuracy imports torch and the supernet: loaded on first use only
    from recsys_models.oracles.accuracy import SupernetAccuracy


class Evaluator:
    """Scores one candidate dict; see the module docstring."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.hw_space = load_hw_space(spec["hw_space"]) if spec.get("hw_space") else None
        self.base_doc = hardware_cost.base_arch_doc(spec.get("base_arch", "default"))
        self.cache = hardware_cost.CostCache(spec.get("cache_dir"))
        self.needs_hardware = bool(spec.get("needs_hardware", True))
        self._accuracy: SupernetAccuracy | None = None
        self._onnx: dict[str, Path] = {}
        cache_dir = spec.get("cache_dir")
        if cache_dir:
            self._onnx_dir = Path(cache_dir) / "onnx"
        else:
            self._tmp = tempfile.TemporaryDirectory(prefix="recsys-search-")
            self._onnx_dir = Path(self._tmp.name)
        self._onnx_dir.mkdir(parents=True, exist_ok=True)
        self.seconds = {"accuracy": 0.0, "hardware": 0.0}
        self.layernorm = bool(spec.get("layernorm", False))
        self.units = UnitOracle(spec["dataset"], self.cache, self._onnx_dir / "units", int(spec.get("batch", 1)),
                                spec.get("unit_strategy", "naive"),
                                spec.get("unit_objective", hardware_cost.UNIT_OBJECTIVE), self.layernorm)

    def accuracy(self, arch_json: dict) -> dict[str, float]:
        from recsys_models.oracles.accuracy import SupernetAccuracy

        if self._accuracy is None:
            self._accuracy = SupernetAccuracy(self.spec)
        return self._accuracy(arch_json)

    def __getstate__(self):  # never ship the loaded supernet between processes
        return {**self.__dict__, "_accuracy": None, "_tmp": None}

    def arch_doc(self, hw: dict) -> dict:
        return self.hw_space.apply(hw) if (self.hw_space and hw) else self.base_doc

    def onnx_for(self, arch_json: dict) -> Path:
        """The candidate model's ONNX file, exported once per architecture (hardware-only mutations and other PIM
        configurations reuse it)."""
        digest = self.model_digest(arch_json)
        if digest not in self._onnx:
            path = self._onnx_dir / f"{digest}.onnx"
            if not path.exists():
                with atomic_path(path, suffix=".onnx") as tmp:
                    export_candidate_onnx(arch_json, self.spec["dataset"], Path(tmp), layernorm=self.layernorm)
            self._onnx[digest] = path
        return self._onnx[digest]

    def model_digest(self, arch_json: dict) -> str:
        """The exported model's name in files and cache keys: the dataset (it fixes the embedding tables), the
        architecture and, when on, LayerNorm (without it the name is as before, so older caches stay valid)."""
        from recsys_models.space import arch_from_json, arch_hash

        return f"{self.spec['dataset']}-{arch_hash(arch_from_json(arch_json))}" + ("-ln" if self.layernorm else "")

    def hardware(self, arch_json: dict, hw: dict) -> Mapping[str, float | str]:
        if self.spec.get("oracle", "exact") == "composed":
            return self.units.candidate(arch_json, self.arch_doc(hw))
        return self.hardware_exact(arch_json, hw)

    def hardware_exact(self, arch_json: dict, hw: dict) -> dict[str, float]:
        doc = self.arch_doc(hw)
        strategy, batch = self.spec.get("strategy", "optimized"), int(self.spec.get("batch", 1))
        key = self.cache.key(self.model_digest(arch_json), doc, strategy, batch)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        metrics = hardware_cost.price_onnx(self.onnx_for(arch_json), doc, strategy=strategy, batch=batch)
        self.cache.put(key, metrics)
        return metrics

    def __call__(self, cand: dict) -> Metrics:
        t0 = time.perf_counter()
        metrics: Metrics = {}
        if self.spec.get("supernet"):
            metrics.update(self.accuracy(cand["arch"]))
        t1 = time.perf_counter()
        if self.needs_hardware:
            try:
                metrics.update(self.hardware(cand["arch"], cand.get("hw", {})))
            except UserError as exc:  # the compiler/simulator rejected this design: infeasible, never priced
                metrics["infeasible"] = exc.message
        self.seconds["accuracy"] += t1 - t0
        self.seconds["hardware"] += time.perf_counter() - t1
        return metrics


UNIT_COST_VERSION = 2
"""Part of a unit's cache key: the fields ``hardware_cost.price_unit`` returns (2: ``input_tail_cycles`` and
``crossbars_one_copy``), so a cache written by an older version is not read as this one's."""


class UnitOracle:
    """The composed oracle: a candidate's units (``units.py``) priced one by one, cached, and composed
    (``compose.py``).  Each distinct unit is exported to ONNX once (shared by all PIM configurations) and
    compiled (``strategy``; ``optimized`` under ``objective``) + simulated once per PIM configuration.
    ``layernorm``: the blocks' units carry LayerNorm (``units.unit_specs``)."""

    def __init__(self, dataset: str, cache: hardware_cost.CostCache, onnx_dir: Path, batch: int,
                 strategy: str = "naive", objective: str = hardware_cost.UNIT_OBJECTIVE, layernorm: bool = False):
        from recsys_models.supernet.model import resolve_dataset_spec

        self.dataset, self.cache, self.onnx_dir, self.batch = dataset, cache, onnx_dir, batch
        self.strategy, self.objective, self.layernorm = strategy, objective, layernorm
        # the units' mapping, part of their cache key (the objective only matters to the optimized strategy)
        self.mapping = strategy if strategy == "naive" else f"{strategy}-{objective}"
        self.dataset_spec = resolve_dataset_spec(dataset)
        self._chips: dict[str, hardware_cost.ChipFacts] = {}

    def candidate(self, arch_json: dict, doc: dict) -> Mapping[str, float | str]:
        from recsys_models.oracles.units import unit_specs
        from recsys_models.space import arch_from_json

        spec = self.dataset_spec
        units = unit_specs(arch_from_json(arch_json), spec.n_int, spec.n_cat, dataset=spec.name,
                           layernorm=self.layernorm)
        adig, chip = self._chip(doc)
        costs = [self.unit_cost(u["key"], doc, adig) for u in units]
        try:
            total = compose(units, costs, float(chip.crossbars_per_chip))
        except Infeasible as exc:
            return {"infeasible": str(exc)}
        metrics = hardware_cost.composed_metrics(total["latency_cycles"], total["period_cycles"],
                                                 total["dynamic_pj"], total["crossbars"], chip, self.batch)
        metrics["flops"] = sum(cost["flops"] for cost in costs)
        return metrics

    def _chip(self, doc: dict) -> tuple[str, hardware_cost.ChipFacts]:
        adig = hardware_cost.arch_digest(doc)
        if adig not in self._chips:
            self._chips[adig] = hardware_cost.chip_facts(doc)
        return adig, self._chips[adig]

    def _onnx(self, key: dict) -> Path:
        from recsys_models.oracles.units import unit_digest

        path = self.onnx_dir / f"{unit_digest(key)}.onnx"
        if not path.exists():
            from recsys_models.oracles.unit_export import export_unit_onnx

            self.onnx_dir.mkdir(parents=True, exist_ok=True)
            with atomic_path(path, suffix=".onnx") as tmp:
                export_unit_onnx(key, self.dataset_spec, Path(tmp))
        return path

    def unit_cost(self, key: dict, doc: dict, adig: str) -> dict:
        from recsys_models.oracles.units import unit_digest

        ckey = f"unit-v{UNIT_COST_VERSION}-{unit_digest(key)}-{adig}-{self.mapping}-b{self.batch}"
        hit = self.cache.get(ckey)
        if hit is None:
            hit = hardware_cost.price_unit(self._onnx(key), doc, self.batch, self.strategy, self.objective)
            self.cache.put(ckey, hit)
        return hit


def make_evaluator(spec: dict) -> Evaluator:
    return Evaluator(spec)


CALIBRATION_ROWS = 8
"""Rows of the one training-mode pass that sets activation ranges before export (values do not change the mapping)."""


def export_candidate_onnx(arch_json: dict, dataset: str, path: Path, hash_size: int | None = None,
                          seed: int = 0, layernorm: bool = False) -> None:
    """Export the standalone model of ``arch_json`` (precisions as QDQ pairs, fresh seeded weights; LayerNorm in
    its blocks with ``layernorm``) to ``path``.

    The mapping and its cost depend on shapes and precisions, not on weight values, so a freshly initialised
    model calibrated on a few seeded rows stands for the candidate.
    """
    import torch

    from recsys_models.export.onnx_export import example_inputs
    from recsys_models.space import arch_from_json
    from recsys_models.supernet.model import SubnetModel, resolve_dataset_spec
    from recsys_models.supernet.onnx_qdq import export_subnet_onnx

    arch, spec = arch_from_json(arch_json), resolve_dataset_spec(dataset, hash_size)
    torch.manual_seed(seed)
    model = SubnetModel(arch, spec, layernorm=layernorm)
    with torch.no_grad():
        model.train()(*example_inputs(spec.n_int, spec.table_sizes, CALIBRATION_ROWS, seed))
    export_subnet_onnx(arch, spec, str(path), batch=1, model=model.eval(), verify=False)
